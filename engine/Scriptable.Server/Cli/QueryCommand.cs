using System.CommandLine;
using System.Globalization;
using System.Net;
using Scriptable.Engine.Fixtures;
using Scriptable.Engine.Geo;
using Scriptable.Engine.Health;
using Scriptable.Engine.Local;
using Scriptable.Policies;
using Scriptable.Server.Hosting;

namespace Scriptable.Server.Cli;

/// <summary>
/// <c>scriptable query NAME [TYPE]</c>: a dry run. Loads the policies folder as the server would, asks one
/// question in-process (no socket, no probe), prints the answer as <c>dig</c> would, then who answered (the
/// policy and its revision, or its fallback and why, or the zone), where the client was located and the
/// health states the policy saw.
/// </summary>
internal static class QueryCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The name to ask." };
        var type = new Argument<string>("type") { Description = "The record type (default A).", DefaultValueFactory = _ => "A" };
        var client = new Option<string?>("--client") { Description = "The source address of the query, a resolver's (default 192.0.2.1)." };
        var ecs = new Option<string?>("--ecs", "--subnet") { Description = "An EDNS Client Subnet, such as 81.2.69.160/27." };
        var health = new Option<string[]>("--health")
        {
            Description = "A check's state, name=up|down|draining|unknown (repeatable); checks not named are unknown, which counts as up.",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var overrides = new Option<string[]>("--override")
        {
            Description = "An operator's override, name=force-up|force-down|drain (repeatable).",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var geo = new Option<string[]>("--geo")
        {
            Description = "A geo database (.mmdb) consulted before the folder's _geo/ (repeatable).",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var country = new Option<string?>("--country") { Description = "State the client's country (ISO code) instead of looking it up." };
        var continent = new Option<string?>("--continent") { Description = "State the client's continent (AF AN AS EU NA OC SA; default: the country's)." };
        var asn = new Option<long?>("--asn") { Description = "State the client's AS number." };
        var location = new Option<string?>("--location") { Description = "State the client's location: latitude,longitude." };
        var time = new Option<string?>("--time") { Description = "The time the policy sees, such as 2026-11-30T03:00:00Z (default: now)." };
        var tcp = new Option<bool>("--tcp") { Description = "Ask over TCP (no truncation)." };
        var dnssec = new Option<bool>("--dnssec") { Description = "Set the DNSSEC OK bit." };
        var noEdns = new Option<bool>("--no-edns") { Description = "Ask without EDNS (512-octet UDP limit)." };
        var live = new Option<string?>("--live")
        {
            Description = "Use the health states a running server sees now, read from its admin endpoint (such as http://127.0.0.1:5380); --health wins.",
        };
        var policies = new Option<string?>("--policies", "-p") { Description = "The policies folder (default: the configured one, else ./policies, else the current folder if it holds zones, else the embedded default)." };
        var config = new Option<string?>("--config", "-c") { Description = "A JSON configuration file whose Policy and Geo sections apply (default: ./scriptable.json if present)." };
        var command = new Command("query", "Ask a policies folder one question in-process and explain the answer (a dry run: no socket, no probe).")
        {
            name, type, client, ecs, health, overrides, live, geo, country, continent, asn, location, time, tcp, dnssec, noEdns, policies, config,
        };
        command.SetAction(parse =>
        {
            var options = ToolConfiguration.Load(parse.GetValue(config), Console.Error);
            if (options is null)
            {
                return 2;
            }

            var errors = new List<string>();
            var question = new LocalQuestion(parse.GetValue(name)!, parse.GetValue(type)!)
            {
                Client = parse.GetValue(client) ?? "192.0.2.1",
                Ecs = parse.GetValue(ecs),
                Tcp = parse.GetValue(tcp),
                DnssecOk = parse.GetValue(dnssec),
                Edns = !parse.GetValue(noEdns),
                Health = Pairs(parse.GetValue(health), "--health", ParseState, errors),
                Overrides = Pairs(parse.GetValue(overrides), "--override", ParseOverride, errors),
                Geo = Facts(parse.GetValue(country), parse.GetValue(continent), parse.GetValue(asn), parse.GetValue(location), errors),
                Time = Time(parse.GetValue(time), errors),
            };
            var votes = new Dictionary<string, string>(StringComparer.Ordinal);
            if (parse.GetValue(live) is { } admin && LiveHealth.Read(admin, options.Admin.Token, errors, votes) is { } states)
            {
                // The live states, then the stated ones over them.
                var merged = new Dictionary<string, HealthState>(states, StringComparer.Ordinal);
                foreach (var (check, state) in question.Health ?? new Dictionary<string, HealthState>())
                {
                    merged[check] = state;
                }

                question = question with { Health = merged, LiveChecks = states.Keys.Where(k => question.Health?.ContainsKey(k) != true).ToHashSet(StringComparer.Ordinal), LiveVotes = votes };
            }

            foreach (var error in errors)
            {
                Console.Error.WriteLine("scriptable: " + error);
            }

            if (errors.Count > 0)
            {
                return 2;
            }

            var folder = parse.GetValue(policies) ?? DefaultFolder.Find(options) ?? EmbeddedPolicies.Extract();
            return Run(folder, question, [.. parse.GetValue(geo) ?? [], .. options.Geo.Databases], options.Policy.ToOptions(), Console.Out, Console.Error, options.ToFolderOptions(folder), options.Dnssec.ResolveKeys(folder));
        });
        return command;
    }

    /// <summary>Loads the folder, asks, prints; returns the exit code (0 answered, 1 the folder does not load, 2 a bad question).</summary>
    public static int Run(string folder, LocalQuestion question, IReadOnlyList<string> geo, Engine.Policies.PolicyOptions? policyOptions, TextWriter output, TextWriter errors, Engine.Model.FolderOptions? folderOptions = null, string? keys = null)
    {
        if (!Directory.Exists(folder))
        {
            errors.WriteLine($"scriptable: policies folder '{folder}' does not exist");
            return 2;
        }

        LocalServer server;
        try
        {
            server = LocalServer.Load(folder, geo, policyOptions, folderOptions);
        }
        catch (InvalidDataException ex)
        {
            errors.WriteLine(ex.Message);
            return 1;
        }

        using (server)
        {
            if (question.DnssecOk && keys is not null)
            {
                // With --dnssec, the zones the key folder signs are signed as the server signs them.
                var keyErrors = new List<string>();
                server.Signing = Engine.Dnssec.SigningSet.Load(keys, server.Loaded.Zones.Zones.Select(z => z.Origin), null, keyErrors);
                foreach (var error in keyErrors)
                {
                    errors.WriteLine(error);
                }
            }

            LocalAnswer answer;
            try
            {
                using (Engine.Trial.TrialProgress.Step(server.PolicyFileOf(question.Name) ?? folder, "answering " + question.Type + " " + question.Name, Engine.Trial.TrialSettings.QuestionDeadline(server.MaxTimeBudget)))
                {
                    answer = server.Ask(question);
                }
            }
            catch (ArgumentException ex)
            {
                errors.WriteLine("scriptable: " + ex.Message);
                return 2;
            }

            WarnUnknownChecks(server, question, errors);
            output.Write(DigText.Format(question, answer));
            if (answer.Signatures.Count > 0)
            {
                output.WriteLine(";; DNSSEC:");
                foreach (var line in answer.Signatures)
                {
                    output.WriteLine(";; " + line);
                }
            }

            output.WriteLine(";; WHY:");
            foreach (var line in answer.Why.Lines())
            {
                output.WriteLine(";; " + line);
            }

            output.WriteLine($";; folder {folder}, time {question.Time?.ToString("u", CultureInfo.InvariantCulture) ?? "now"}");
            return 0;
        }
    }

    /// <summary>
    /// A stated health (<c>--health</c>, <c>--override</c>) for a name the folder's <c>health.yaml</c> does not declare:
    /// most often a typo, which would leave the policy seeing the real state. A warning, not an error: a folder
    /// without <c>health.yaml</c> (or a policy asking a name it does not declare) is answered as stated.
    /// </summary>
    private static void WarnUnknownChecks(LocalServer server, LocalQuestion question, TextWriter errors)
    {
        var config = server.Loaded.Health;
        if (config.Checks.Count == 0 && config.Groups.Count == 0)
        {
            return;
        }

        var known = config.Checks.Select(c => c.Name).Concat(config.Groups.Select(g => g.Name)).ToList();
        foreach (var name in (question.Health?.Keys ?? []).Concat(question.Overrides?.Keys ?? []).Distinct(StringComparer.Ordinal))
        {
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                var hint = Engine.Yaml.Spelling.Closest(name, known) is { } close ? $"; did you mean '{close}'?" : $" ({string.Join(", ", known)})";
                errors.WriteLine($"scriptable: warning: '{name}' is no check or group of health.yaml{hint}");
            }
        }
    }

    private static Dictionary<string, T>? Pairs<T>(string[]? values, string option, Func<string, T?> parse, List<string> errors)
        where T : struct
    {
        if (values is not { Length: > 0 })
        {
            return null;
        }

        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || parse(value[(equals + 1)..]) is not { } parsed)
            {
                errors.Add($"{option} '{value}' is not name=state ({(option == "--health" ? "up, down, draining, unknown" : "force-up, force-down, drain")})");
                continue;
            }

            result[value[..equals]] = parsed;
        }

        return result;
    }

    private static HealthState? ParseState(string text) => LocalQuestion.TryParseState(text, out var state) ? state : null;

    private static HealthOverrideKind? ParseOverride(string text) => HealthOverride.TryParseKind(text, out var kind) ? kind : null;

    private static GeoFacts? Facts(string? country, string? continent, long? asn, string? location, List<string> errors)
    {
        if (country is null && continent is null && asn is null && location is null)
        {
            return null;
        }

        double? latitude = null;
        double? longitude = null;
        if (location is not null)
        {
            var parts = location.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length == 2
                && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var lat) && Math.Abs(lat) <= 90
                && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var lon) && Math.Abs(lon) <= 180)
            {
                (latitude, longitude) = (lat, lon);
            }
            else
            {
                errors.Add($"--location '{location}' is not latitude,longitude (such as 48.86,2.35)");
            }
        }

        if (asn is < 0 or > uint.MaxValue)
        {
            errors.Add($"--asn {asn} is not an AS number (0 to {uint.MaxValue})");
        }

        if (country is not null && CountryCodes.Problem(country) is { } problem)
        {
            errors.Add("--country " + problem);
        }

        if (continent is not null && !Continents.IsContinent(continent))
        {
            errors.Add($"--continent '{continent}' is not a continent code (AF, AN, AS, EU, NA, OC, SA)");
        }

        country = country?.ToUpperInvariant();
        return new GeoFacts(country, continent?.ToUpperInvariant() ?? Continents.Of(country), Latitude: latitude, Longitude: longitude, Asn: asn);
    }

    private static DateTimeOffset? Time(string? text, List<string> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        errors.Add($"--time '{text}' is not a time such as 2026-11-30T03:00:00Z");
        return null;
    }
}
