using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests.Observability;

/// <summary>One dnstap message as independent readers decode it.</summary>
/// <param name="Type">AUTH_QUERY or AUTH_RESPONSE.</param>
/// <param name="Identity">The identity.</param>
/// <param name="Protocol">UDP or TCP.</param>
/// <param name="Address">The client's address.</param>
/// <param name="Port">The client's port.</param>
/// <param name="Id">The DNS message's ID.</param>
/// <param name="Rcode">The DNS message's rcode mnemonic.</param>
/// <param name="Question">The question, <c>www.example.org. IN A</c>.</param>
/// <param name="Extra">The extra field, or null.</param>
public sealed record DnstapEntry(string Type, string Identity, string Protocol, string Address, int Port, int Id, string Rcode, string Question, string? Extra);

/// <summary>
/// Reads a dnstap Frame Streams file with tools that share no code with the server: <c>dnstap-ldns -y</c> (Debian
/// <c>dnstap-ldns</c>, libprotobuf-c and ldns) for the messages, and <c>protoc --decode</c> (Debian
/// <c>protobuf-compiler</c>, against the repository's <c>dnstap.proto</c>) for the <c>extra</c> field, which
/// dnstap-ldns does not print.
/// </summary>
public static partial class DnstapReadBack
{
    /// <summary>Every message of the file, in order.</summary>
    public static async Task<IReadOnlyList<DnstapEntry>> ReadAsync(string file)
    {
        var (exit, yaml, error) = await ExternalTool.RunAsync("dnstap-ldns", ["-r", file, "-y"]);
        Assert.True(exit == 0, $"dnstap-ldns failed: {error}");
        var documents = yaml.Split("\n---\n", StringSplitOptions.RemoveEmptyEntries);
        var extras = await ExtrasAsync(file);
        Assert.Equal(extras.Count, documents.Length);
        var entries = new List<DnstapEntry>();
        for (var i = 0; i < documents.Length; i++)
        {
            var doc = documents[i];
            var header = Header().Match(doc);
            var question = Question().Match(doc);
            Assert.True(header.Success && question.Success, "dnstap-ldns printed a message without a header or question:\n" + doc);
            entries.Add(new DnstapEntry(
                Field(doc, "  type"), Field(doc, "identity").Trim('"'), Field(doc, "  socket_protocol"), Field(doc, "  query_address").Trim('"'),
                int.Parse(Field(doc, "  query_port"), System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(header.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture), header.Groups["rcode"].Value,
                Regex.Replace(question.Groups["q"].Value.Trim(), @"\s+", " "), extras[i]));
        }

        return entries;
    }

    private static string Field(string doc, string name)
    {
        var match = Regex.Match(doc, "^" + name + @": (.*)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no '{name.Trim()}' in:\n{doc}");
        return match.Groups[1].Value.Trim();
    }

    /// <summary>The extra field of each data frame, decoded by protoc as one <c>repeated dnstap.Dnstap</c>.</summary>
    private static async Task<List<string?>> ExtrasAsync(string file)
    {
        var bytes = await File.ReadAllBytesAsync(file);
        var wrapped = new MemoryStream();
        for (var at = 0; at + 4 <= bytes.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at));
            at += 4;
            if (length == 0)
            {
                // A control frame: its own length, then its body.
                at += 4 + (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at));
                continue;
            }

            // Field 1, length-delimited: one element of "repeated dnstap.Dnstap frame = 1".
            wrapped.WriteByte(0x0A);
            for (var value = (uint)length; ; value >>= 7)
            {
                if (value < 0x80)
                {
                    wrapped.WriteByte((byte)value);
                    break;
                }

                wrapped.WriteByte((byte)(value | 0x80));
            }

            wrapped.Write(bytes, at, length);
            at += length;
        }

        using var folder = new TempFolder();
        folder.Write("frames.proto", "syntax = \"proto2\";\nimport \"dnstap.proto\";\nmessage Frames { repeated dnstap.Dnstap frame = 1; }\n");
        var schema = RepositoryPaths.Combine("engine", "Scriptable.Server", "Observability", "Dnstap");
        var start = new ProcessStartInfo(ExternalTool.Require("protoc"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-I", schema, "-I", folder.Path, "--decode=Frames", Path.Combine(folder.Path, "frames.proto")])
        {
            start.ArgumentList.Add(argument);
        }

        using var protoc = Process.Start(start)!;
        var output = protoc.StandardOutput.ReadToEndAsync();
        var error = protoc.StandardError.ReadToEndAsync();
        await protoc.StandardInput.BaseStream.WriteAsync(wrapped.ToArray());
        protoc.StandardInput.Close();
        await protoc.WaitForExitAsync();
        Assert.True(protoc.ExitCode == 0, "protoc --decode failed: " + await error);
        var extras = new List<string?>();
        foreach (var frame in (await output).Split("frame {", StringSplitOptions.RemoveEmptyEntries))
        {
            var extra = Regex.Match(frame, "^  extra: \"(.*)\"$", RegexOptions.Multiline);
            extras.Add(extra.Success ? extra.Groups[1].Value : null);
        }

        return extras;
    }

    [GeneratedRegex(@";; ->>HEADER<<- opcode: QUERY, rcode: (?<rcode>\w+), id: (?<id>\d+)")]
    private static partial Regex Header();

    [GeneratedRegex(@";; QUESTION SECTION:\n\s*;(?<q>[^\n]+)")]
    private static partial Regex Question();
}
