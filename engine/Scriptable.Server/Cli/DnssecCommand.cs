using System.CommandLine;
using Scriptable.Engine.Dnssec;
using Scriptable.Engine.Protocol;
using Scriptable.Server.Configuration;

namespace Scriptable.Server.Cli;

/// <summary>
/// <c>scriptable dnssec init ZONE [--split]</c> makes a zone's keys in the key folder (<c>Dnssec:Keys</c>), which signs
/// it from then on; <c>scriptable dnssec ds ZONE</c> prints the DS and DNSKEY records to give the parent (the registrar).
/// </summary>
internal static class DnssecCommand
{
    public static Command Create()
    {
        var command = new Command("dnssec", "Sign zones: make their keys, print what the parent zone needs.");
        command.Add(Init());
        command.Add(Ds());
        return command;
    }

    private static Command Init()
    {
        var zone = new Argument<string>("zone") { Description = "The zone to sign, e.g. example.org." };
        var split = new Option<bool>("--split") { Description = "Make a KSK and a ZSK instead of one combined signing key (CSK)." };
        var config = ConfigOption();
        var command = new Command("init", "Make a zone's signing keys (ECDSA P-256, algorithm 13) in the key folder; the server signs the zone from its next reload.")
        {
            zone, split, config,
        };
        command.SetAction(parse =>
        {
            if (Prepare(parse.GetValue(zone)!, parse.GetValue(config), out var origin, out var folder) is { } code)
            {
                return code;
            }

            var existing = KeyFolder.Load(folder);
            if (existing.Keys.ContainsKey(origin) || existing.Errors.ContainsKey(origin))
            {
                Console.Error.WriteLine($"scriptable dnssec init: zone '{origin}' already has keys in {folder}; it is signed (rollover is not built yet)");
                return 1;
            }

            var now = DateTimeOffset.UtcNow;
            var keys = parse.GetValue(split)
                ? new[] { DnssecKey.Create(origin, DnssecKey.KskFlags), DnssecKey.Create(origin, DnssecKey.ZskFlags) }
                : [DnssecKey.Create(origin, DnssecKey.KskFlags)];
            foreach (var key in keys)
            {
                var file = KeyFolder.Write(folder, key, now);
                Console.Out.WriteLine($"{(keys.Length == 1 ? "CSK" : key.IsKsk ? "KSK" : "ZSK")} {key.Tag}: {file} (and .key)");
            }

            Console.Out.WriteLine($"; give these to the parent zone of {origin} (your registrar) once the server signs it:");
            Print(new ZoneKeys(origin, keys), Console.Out);
            return 0;
        });
        return command;
    }

    private static Command Ds()
    {
        var zone = new Argument<string>("zone") { Description = "The signed zone." };
        var config = ConfigOption();
        var command = new Command("ds", "Print a signed zone's DS (SHA-256) and DNSKEY records, in zone-file text, for its parent.")
        {
            zone, config,
        };
        command.SetAction(parse =>
        {
            if (Prepare(parse.GetValue(zone)!, parse.GetValue(config), out var origin, out var folder) is { } code)
            {
                return code;
            }

            var contents = KeyFolder.Load(folder);
            if (contents.Errors.TryGetValue(origin, out var errors))
            {
                foreach (var error in errors)
                {
                    Console.Error.WriteLine(error);
                }

                return 1;
            }

            if (!contents.Keys.TryGetValue(origin, out var keys))
            {
                Console.Error.WriteLine($"scriptable dnssec ds: zone '{origin}' has no keys in {folder}: run 'scriptable dnssec init {origin}' first");
                return 1;
            }

            Print(new ZoneKeys(origin, keys), Console.Out);
            return 0;
        });
        return command;
    }

    /// <summary>The DS of every KSK (SHA-256, digest type 2) and its DNSKEY, as zone-file lines.</summary>
    internal static void Print(ZoneKeys keys, TextWriter output)
    {
        foreach (var key in keys.Keys)
        {
            if (!key.IsKsk && key != keys.Ksk)
            {
                continue;
            }

            var ds = key.DsRData().Wire;
            output.WriteLine($"{keys.Origin} {ZoneKeys.KeyTtl} IN DS {key.Tag} 13 2 {Convert.ToHexString(ds[4..])}");
            output.WriteLine($"{keys.Origin} {ZoneKeys.KeyTtl} IN DNSKEY {key.Flags} 3 13 {Convert.ToBase64String(key.PublicKey)}");
        }
    }

    private static Option<string?> ConfigOption() => new("--config", "-c")
    {
        Description = "A JSON configuration file whose Dnssec:Keys names the key folder (default: ./scriptable.json if present; SCRIPTABLE_Dnssec__Keys also works).",
    };

    private static int? Prepare(string zone, string? config, out DnsName origin, out string folder)
    {
        origin = DnsName.Root;
        folder = "";
        if (!DnsName.TryParse(zone.EndsWith('.') ? zone : zone + ".", null, out var parsed, out var error))
        {
            Console.Error.WriteLine($"scriptable dnssec: '{zone}' is not a zone name: {error}");
            return UsageErrors.ExitCode;
        }

        var options = ToolConfiguration.Load(config, Console.Error);
        if (options is null)
        {
            return UsageErrors.ExitCode;
        }

        origin = parsed;
        folder = options.Dnssec.ResolveKeys(DefaultFolder.Find(options) ?? options.Policies);
        return null;
    }
}
