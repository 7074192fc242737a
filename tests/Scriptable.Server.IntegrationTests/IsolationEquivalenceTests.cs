using System.Text;
using Scriptable.Engine.Health;
using Scriptable.Engine.Isolation;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;
using Xunit.Abstractions;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// Every example, served twice side by side, in process and through policy worker processes, with the same
/// generated geo database and the same health (every check forced up, then the first forced down): every policy
/// name, several types, 16 clients as ECS subnets and one plain client, each question asked three times in a
/// row over UDP, must get the same response (records, their order and rotation, TTLs, rcode, flags, ECS scope).
/// </summary>
public sealed class IsolationEquivalenceTests(ITestOutputHelper output)
{
    private static readonly ushort[] Types = [RecordType.A, RecordType.AAAA, RecordType.TXT, RecordType.MX];

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var folder in Directory.GetDirectories(RepositoryPaths.Combine("examples")).Order(StringComparer.Ordinal))
        {
            if (Directory.EnumerateFiles(folder, "*.csx", SearchOption.AllDirectories).Any())
            {
                data.Add(Path.GetFileName(folder));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Example_ThroughWorkers_AnswersAsInProcess(string example)
    {
        using var folder = new TempFolder();
        FolderCopy.Tree(RepositoryPaths.Combine("examples", example), folder.Path, relative => relative.EndsWith(".md", StringComparison.Ordinal));
        Directory.CreateDirectory(Path.Combine(folder.Path, "_geo"));
        TestGeo.CityTestLike().Write(Path.Combine(folder.Path, "_geo", "GeoIP2-City-Test.mmdb"));

        // The workers run as nobody when the tests run as root: they must be able to read the geo database, as an
        // operator's would (a temporary folder is the creator's only).
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        await using var inProcess = await TestServer.StartInFolderAsync(folder.Path, o => Configure(o, PolicyIsolation.InProcess));
        await using var isolated = await TestServer.StartInFolderAsync(folder.Path, o => Configure(o, PolicyIsolation.Process));
        Assert.NotEmpty(isolated.Server.Workers.ProcessIds);

        var names = PolicyNames(folder.Path);
        var shuffled = Directory.EnumerateFiles(folder.Path, "*.csx", SearchOption.AllDirectories).Any(f => File.ReadAllText(f).Contains("Shuffled()", StringComparison.Ordinal));
        var checks = inProcess.Server.Pipeline.Snapshot.Health.Checks.Order(StringComparer.Ordinal).ToList();
        var compared = 0;
        for (var situation = 0; situation < (checks.Count > 0 ? 2 : 1); situation++)
        {
            foreach (var server in new[] { inProcess, isolated })
            {
                for (var i = 0; i < checks.Count; i++)
                {
                    var kind = situation == 1 && i == 0 ? HealthOverrideKind.ForceDown : HealthOverrideKind.ForceUp;
                    server.Server.SetOverride(checks[i], new HealthOverride(kind, null, "equivalence test", DateTimeOffset.UtcNow));
                }
            }

            foreach (var name in names)
            {
                foreach (var type in Types)
                {
                    foreach (var subnet in Subnets())
                    {
                        for (var round = 0; round < 3; round++)
                        {
                            var query = RawQuery.Build(name, type, edns: new Edns(Options: subnet is null ? [] : [RawQuery.Ecs(subnet)]));
                            var expected = Canonical(await inProcess.UdpAsync(query, 5000), shuffled);
                            var actual = Canonical(await isolated.UdpAsync(query, 5000), shuffled);
                            Assert.True(expected == actual, $"{name} {RecordType.ToText(type)} {subnet ?? "(no ECS)"} round {round}, health situation {situation}:\nin process:\n{expected}\nthrough a worker:\n{actual}");
                            compared++;
                        }
                    }
                }
            }
        }

        output.WriteLine($"{example}: {compared} responses compared over {names.Count} names; worker losses {isolated.Server.Workers.Losses}");
        Assert.Equal(0, isolated.Server.Workers.Losses);
        Assert.DoesNotContain(isolated.Logs.Messages, m => m.Contains("cannot use a geo database", StringComparison.Ordinal));
    }

    private static void Configure(Configuration.ServerOptions options, PolicyIsolation isolation)
    {
        options.UdpThreads = 1;
        options.Watch = false;
        options.Policy.Isolation = isolation;

        // Answers are compared here, not deadlines: a worker starved of CPU by a busy machine must not answer a fallback.
        options.Policy.Workers.DeadlineBudgets = 1000;

        // Compiled in the test process: the trial is covered elsewhere, and both servers must load the same versions.
        options.Policy.Trial.Enabled = false;
    }

    /// <summary>The 16 addresses of the test database as ECS subnets of their network's prefix (or /24, /48), and no ECS.</summary>
    private static IEnumerable<string?> Subnets()
    {
        yield return null;
        foreach (var fact in TestGeo.CityTestFacts)
        {
            yield return fact.Network ?? (fact.Address.Contains(':', StringComparison.Ordinal) ? fact.Address + "/48" : fact.Address + "/24");
        }
    }

    /// <summary>Every name a policy file of the folder serves by its own name (wildcards asked at a name below them).</summary>
    private static List<string> PolicyNames(string folder)
    {
        var names = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.csx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var zone = Path.GetFileName(Path.GetDirectoryName(file)!);
            var label = Path.GetFileNameWithoutExtension(file);
            if (label.StartsWith('_') || zone.StartsWith('_'))
            {
                continue;
            }

            names.Add(label == "@" ? zone : label.StartsWith("*.", StringComparison.Ordinal) ? "x" + label[1..] + "." + zone : label + "." + zone);
        }

        return names;
    }

    /// <summary>The response as text without its id: rcode, flags, every section's records in order (sorted when answers are shuffled), the ECS scope.</summary>
    private static string Canonical(byte[]? response, bool sortAnswers)
    {
        if (response is null)
        {
            return "(no answer)";
        }

        var message = Responses.Parse(response);
        var text = new StringBuilder();
        text.Append("rcode ").Append(message.ReturnCode).Append(" flags ").Append(Responses.Flags(response)).Append('\n');
        var answers = Responses.Lines(message.AnswerRecords);
        foreach (var line in sortAnswers ? [.. answers.Order(StringComparer.Ordinal)] : answers)
        {
            text.Append("AN ").Append(line).Append('\n');
        }

        foreach (var line in Responses.Lines(message.AuthorityRecords))
        {
            text.Append("NS ").Append(line).Append('\n');
        }

        foreach (var line in Responses.Lines(message.AdditionalRecords.Where(r => r is not ARSoft.Tools.Net.Dns.OptRecord)))
        {
            text.Append("AR ").Append(line).Append('\n');
        }

        if (Responses.Ecs(message) is { } ecs)
        {
            text.Append("ECS ").Append(ecs.Address).Append('/').Append(ecs.SourceNetmask).Append('/').Append(ecs.ScopeNetmask).Append('\n');
        }

        return text.ToString();
    }
}
