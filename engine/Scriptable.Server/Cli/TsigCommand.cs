using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Transfers;

namespace Scriptable.Server.Cli;

/// <summary>
/// <c>scriptable tsig keygen NAME [--algorithm hmac-sha256]</c>: makes a TSIG key with a random secret as long as the
/// algorithm's MAC, and prints it twice: as an entry of the configuration's <c>Tsig:Keys</c>, and as a BIND <c>key</c>
/// clause for the other side (NSD and Knot read the same three values).
/// </summary>
internal static class TsigCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The key's name, the same on both sides (a domain name such as xfr-key)." };
        var algorithm = new Option<string>("--algorithm", "-a")
        {
            Description = "hmac-sha256 (the default), hmac-sha512 or hmac-sha1.",
            DefaultValueFactory = _ => TsigAlgorithm.HmacSha256.Name,
        };
        var keygen = new Command("keygen", "Make a TSIG key and print it for scriptable.json and for a BIND, NSD or Knot peer.") { name, algorithm };
        keygen.SetAction(parse => Keygen(parse.GetValue(name)!, parse.GetValue(algorithm)!, Console.Out, Console.Error));
        return new Command("tsig", "TSIG keys (RFC 8945) for signed queries, zone transfers and NOTIFY.") { keygen };
    }

    /// <summary>Prints a new key; 2 for a bad name or algorithm.</summary>
    internal static int Keygen(string name, string algorithmName, TextWriter output, TextWriter error)
    {
        var trimmed = name.Trim().TrimEnd('.');
        string? nameError = "empty";
        if (trimmed.Length == 0 || !DnsName.TryParse(trimmed + ".", null, out _, out nameError))
        {
            error.WriteLine($"scriptable tsig keygen: '{name}' is not a key name (a domain name such as xfr-key): {nameError ?? "empty"}");
            return 2;
        }

        if (TsigAlgorithm.Find(algorithmName) is not { } algorithm)
        {
            error.WriteLine($"scriptable tsig keygen: '{algorithmName}' is not a TSIG algorithm: use {string.Join(", ", TsigAlgorithm.All.Select(a => a.Name))}");
            return 2;
        }

        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(algorithm.MacSize));
        var entry = JsonSerializer.Serialize(new { Name = trimmed, Algorithm = algorithm.Name, Secret = secret });
        output.WriteLine("// scriptable.json");
        output.WriteLine($"{{ \"Tsig\": {{ \"Keys\": [ {entry} ] }} }}");
        output.WriteLine();
        output.WriteLine("// BIND named.conf (NSD: key: name/algorithm/secret; Knot: key: id/algorithm/secret)");
        output.WriteLine($"key \"{trimmed}\" {{");
        output.WriteLine($"    algorithm {algorithm.Name};");
        output.WriteLine($"    secret \"{secret}\";");
        output.WriteLine("};");
        return 0;
    }
}
