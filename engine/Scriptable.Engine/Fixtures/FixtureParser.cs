using System.Globalization;
using System.Net;
using Scriptable.Engine.Files;
using Scriptable.Engine.Geo;
using Scriptable.Engine.Health;
using Scriptable.Engine.Local;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Yaml;
using Scriptable.Policies;

namespace Scriptable.Engine.Fixtures;

/// <summary>
/// Reads a fixture file (<c>www.fixtures.yaml</c>, the format is in <c>Fixtures/README.md</c>), reporting every
/// problem where it is: <c>www.fixtures.yaml(12,7): error FIX005: '192.0.2' is not an address</c>.
/// </summary>
public static class FixtureParser
{
    private static readonly string[] TopKeys = ["defaults", "geo-databases", "cases"];
    private static readonly string[] QuestionKeys = ["name", "type", "client", "ecs", "transport", "edns", "dnssec", "geo", "health", "overrides", "time"];
    private static readonly string[] CaseKeys = ["case", .. QuestionKeys, "expect", "skip"];
    private static readonly string[] GeoKeys = ["country", "continent", "city", "subdivision", "location", "latitude", "longitude", "asn", "organization", "network"];
    private static readonly string[] ExpectKeys = ["rcode", "answer", "one-of", "distribution", "authority", "additional", "ttl", "scope", "aa", "tc", "answered-by"];
    private static readonly string[] DistributionKeys = ["runs", "vary", "tolerance", "shares"];
    private static readonly string[] Rcodes = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "BADVERS"];
    private static readonly string[] Sources = ["policy", "fallback", "zone", "none"];

    /// <summary>The largest fixture file read (16 MiB).</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>
    /// Parses the text of a fixture file. <paramref name="file"/> is the path shown in messages;
    /// <paramref name="directory"/> is where relative <c>geo-databases</c> paths start; <paramref name="defaultName"/>
    /// is the name asked by cases that give none (the name of the policy beside the file), or null. With a
    /// <paramref name="boundary"/>, <c>geo-databases</c> must pass the folder rule (inside the policies folder or an
    /// include folder, regular files): FIX009 otherwise.
    /// </summary>
    public static FixtureFile Parse(string text, string file, string? directory = null, string? defaultName = null, FolderBoundary? boundary = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var context = new Context(file) { Boundary = boundary };
        var root = YamlNode.Read(text, out var syntax);
        if (syntax is { } error)
        {
            context.Error(error.Line, error.Column, FixtureDiagnosticIds.Syntax, error.Message);
            return context.Result([]);
        }

        if (root is null || root is YamlScalar { IsNull: true })
        {
            // A fixture file that tests nothing is a mistake, not a pass (a file saved empty, a paste lost).
            context.Error(1, 1, FixtureDiagnosticIds.Missing, "the fixture file is empty: it tests nothing (add a 'cases:' list, or delete the file)");
            return context.Result([]);
        }

        if (root is not YamlMapping top)
        {
            context.Error(root, FixtureDiagnosticIds.WrongShape, $"a fixture file is a mapping with the keys {string.Join(", ", TopKeys)}, not {root.Describe}");
            return context.Result([]);
        }

        var sections = context.Entries(top, TopKeys, "a top-level key");
        var databases = ReadDatabases(context, sections.GetValueOrDefault("geo-databases"), directory ?? Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".");
        var defaults = new Dictionary<string, (YamlScalar Key, YamlNode Value)>(StringComparer.Ordinal);
        if (sections.TryGetValue("defaults", out var d) && d.Value is not YamlScalar { IsNull: true })
        {
            if (d.Value is YamlMapping mapping)
            {
                defaults = context.Entries(mapping, QuestionKeys, "a default (a question setting)");
            }
            else
            {
                context.Error(d.Value, FixtureDiagnosticIds.WrongShape, $"'defaults' is a mapping of question settings, not {d.Value.Describe}");
            }
        }

        var cases = new List<FixtureCase>();
        if (!sections.TryGetValue("cases", out var c) || c.Value is YamlScalar { IsNull: true })
        {
            context.Error(top, FixtureDiagnosticIds.Missing, "the file has no cases: it tests nothing (add a 'cases:' list)");
        }
        else if (c.Value is not YamlSequence list)
        {
            context.Error(c.Value, FixtureDiagnosticIds.WrongShape, $"'cases' is a list of cases ('- case: ...'), not {c.Value.Describe}");
        }
        else if (list.Items.Count == 0)
        {
            context.Error(c.Value, FixtureDiagnosticIds.Missing, "the 'cases' list is empty: it tests nothing");
        }
        else
        {
            foreach (var item in list.Items)
            {
                if (ReadCase(context, item, defaults, databases, defaultName) is { } read)
                {
                    cases.Add(read);
                }
            }

            var names = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var read in cases)
            {
                if (!names.TryAdd(read.Name, read.Line))
                {
                    context.Warning(read.Line, 1, FixtureDiagnosticIds.DuplicateKey, $"the case '{read.Name}' is named like the one at line {names[read.Name]}: give each case its own words");
                }
            }
        }

        return context.Result(cases);
    }

    /// <summary>
    /// Reads and parses a file; an unreadable file is an error diagnostic, never an exception. The file and its
    /// <c>geo-databases</c> are read through <paramref name="boundary"/>, the folder rule (default: the rule for
    /// the file's own folder); a refused file is FIX009, with the reason and nothing of its content.
    /// </summary>
    public static FixtureFile ParseFile(string path, string? displayName = null, string? defaultName = null, FolderBoundary? boundary = null)
    {
        boundary ??= new FolderBoundary(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string text;
        try
        {
            text = boundary.ReadText(path, MaxFileBytes);
        }
        catch (FileRefusedException ex)
        {
            return new FixtureFile(displayName ?? path, [], [PolicyDiagnostic.Error(displayName ?? path, 0, 0, FixtureDiagnosticIds.NotRead, "not read: " + ex.Reason)]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new FixtureFile(displayName ?? path, [], [PolicyDiagnostic.Error(displayName ?? path, 0, 0, FixtureDiagnosticIds.Syntax, "cannot read the file: " + ex.Message)]);
        }

        return Parse(text, displayName ?? path, Path.GetDirectoryName(Path.GetFullPath(path)), defaultName, boundary);
    }

    private static List<string> ReadDatabases(Context context, (YamlScalar Key, YamlNode Value) entry, string directory)
    {
        var files = new List<string>();
        if (entry.Key is null || entry.Value is YamlScalar { IsNull: true })
        {
            return files;
        }

        IReadOnlyList<YamlNode> items = entry.Value switch
        {
            YamlSequence sequence => sequence.Items,
            YamlScalar scalar => [scalar],
            _ => [],
        };
        if (entry.Value is YamlMapping)
        {
            context.Error(entry.Value, FixtureDiagnosticIds.WrongShape, "'geo-databases' is a list of .mmdb files, not a mapping");
        }

        foreach (var item in items)
        {
            if (item is not YamlScalar { IsNull: false } scalar)
            {
                context.Error(item, FixtureDiagnosticIds.WrongShape, $"'geo-databases' lists file paths, not {item.Describe}");
                continue;
            }

            var named = Path.Combine(directory, scalar.Value);
            var path = Path.GetFullPath(named);
            if (context.Boundary is { } boundary)
            {
                try
                {
                    // Named by a file of the folder: the folder rule, as for $INCLUDE (the include folders allowed).
                    boundary.Check(named, included: true);
                }
                catch (FileRefusedException ex)
                {
                    var hint = ex.Refusal == FileRefusal.Outside ? " (list its folder in the configuration's Files:IncludeDirectories, or pass it with --geo)" : "";
                    context.Error(scalar, FixtureDiagnosticIds.NotRead, $"the geo database '{scalar.Value}' is not read: {ex.Reason}{hint}");
                    continue;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    context.Error(scalar, FixtureDiagnosticIds.NoDatabase, $"the geo database '{scalar.Value}' does not exist (looked for {path})");
                    continue;
                }
            }
            else if (!File.Exists(path))
            {
                context.Error(scalar, FixtureDiagnosticIds.NoDatabase, $"the geo database '{scalar.Value}' does not exist (looked for {path})");
                continue;
            }

            files.Add(path);
        }

        return files;
    }

    private static FixtureCase? ReadCase(Context context, YamlNode node, Dictionary<string, (YamlScalar Key, YamlNode Value)> defaults, List<string> databases, string? defaultName)
    {
        if (node is not YamlMapping mapping)
        {
            context.Error(node, FixtureDiagnosticIds.WrongShape, $"a case is a mapping ('- case: what it checks', the question, 'expect:'), not {node.Describe}");
            return null;
        }

        var errors = context.ErrorCount;
        var own = context.Entries(mapping, CaseKeys, "a case setting");
        var entries = new Dictionary<string, (YamlScalar Key, YamlNode Value)>(defaults, StringComparer.Ordinal);
        foreach (var (key, value) in own)
        {
            entries[key] = value;
        }

        string? title = null;
        if (!own.TryGetValue("case", out var caseEntry))
        {
            context.Error(mapping, FixtureDiagnosticIds.Missing, "the case has no 'case:' saying what it checks");
        }
        else
        {
            title = context.Text(caseEntry, "a few words saying what the case checks");
        }

        string? name = defaultName;
        if (entries.TryGetValue("name", out var nameEntry) && context.Text(nameEntry, "a domain name") is { } givenName)
        {
            name = givenName;
            if (!DnsName.TryParse(givenName.EndsWith('.') ? givenName : givenName + ".", null, out _, out var nameError))
            {
                context.Error(nameEntry.Value, FixtureDiagnosticIds.BadValue, $"'{givenName}' is not a domain name: {nameError}");
            }
        }
        else if (name is null)
        {
            context.Error(mapping, FixtureDiagnosticIds.Missing, "the case asks no name: give 'name:' (in the case or in 'defaults:'), or name the file after its policy (www.fixtures.yaml beside www.csx)");
        }

        var type = "A";
        if (entries.TryGetValue("type", out var typeEntry) && context.Text(typeEntry, "a record type") is { } givenType)
        {
            type = givenType.ToUpperInvariant();
            if (!RecordType.TryParse(givenType, out _))
            {
                context.Error(typeEntry.Value, FixtureDiagnosticIds.BadValue, $"'{givenType}' is not a record type (A, AAAA, TXT, TYPE65...)");
            }
        }

        var question = new LocalQuestion(name ?? ".", type) { GeoDatabases = databases.Count > 0 ? databases : null };
        if (entries.TryGetValue("client", out var clientEntry) && context.Text(clientEntry, "an address") is { } client)
        {
            if (LocalServer.TryParseAddress(client, out var address))
            {
                question = question with { Client = address.ToString() };
            }
            else
            {
                context.Error(clientEntry.Value, FixtureDiagnosticIds.BadValue, $"'{client}' is not an address such as 192.0.2.1 or 2001:db8::1 (a subnet goes in 'ecs:')");
            }
        }

        if (entries.TryGetValue("ecs", out var ecsEntry) && context.Text(ecsEntry, "a subnet") is { } ecs)
        {
            if (IsLooseSubnet(ecs))
            {
                question = question with { Ecs = ecs };
            }
            else
            {
                context.Error(ecsEntry.Value, FixtureDiagnosticIds.BadValue, $"'{ecs}' is not a subnet such as 81.2.69.160/27 or 2001:db8::/56");
            }
        }

        if (entries.TryGetValue("transport", out var transportEntry) && context.Text(transportEntry, "udp or tcp") is { } transport)
        {
            switch (transport.ToLowerInvariant())
            {
                case "udp":
                    break;
                case "tcp":
                    question = question with { Tcp = true };
                    break;
                default:
                    context.Error(transportEntry.Value, FixtureDiagnosticIds.BadValue, $"'{transport}' is not a transport: udp or tcp");
                    break;
            }
        }

        if (entries.TryGetValue("edns", out var ednsEntry) && context.Bool(ednsEntry) is { } edns)
        {
            question = question with { Edns = edns };
        }

        if (entries.TryGetValue("dnssec", out var doEntry) && context.Bool(doEntry) is { } dnssecOk)
        {
            question = question with { DnssecOk = dnssecOk };
        }

        if (entries.TryGetValue("geo", out var geoEntry))
        {
            question = question with { Geo = ReadGeo(context, geoEntry) };
        }

        if (entries.TryGetValue("health", out var healthEntry))
        {
            question = question with { Health = ReadHealth(context, healthEntry) };
        }

        if (entries.TryGetValue("overrides", out var overridesEntry))
        {
            question = question with { Overrides = ReadOverrides(context, overridesEntry) };
        }

        if (entries.TryGetValue("time", out var timeEntry) && context.Text(timeEntry, "a time") is { } time)
        {
            if (DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var when)
                && time.Contains('-', StringComparison.Ordinal))
            {
                question = question with { Time = when };
            }
            else
            {
                context.Error(timeEntry.Value, FixtureDiagnosticIds.BadValue, $"'{time}' is not a time such as 2026-11-30T03:00:00Z (a date, a time, and an offset or Z; without one it is UTC)");
            }
        }

        string? skip = null;
        if (own.TryGetValue("skip", out var skipEntry))
        {
            skip = context.Text(skipEntry, "the reason to skip the case");
        }

        FixtureExpectation? expect = null;
        if (!own.TryGetValue("expect", out var expectEntry))
        {
            context.Error(mapping, FixtureDiagnosticIds.Missing, $"the case{(title is null ? "" : $" '{title}'")} expects nothing: add 'expect:' (rcode, answer, one-of, distribution, scope...)");
        }
        else
        {
            expect = ReadExpect(context, expectEntry);
        }

        return context.ErrorCount > errors || title is null || expect is null
            ? null
            : new FixtureCase(context.File, mapping.Line, title, question, expect, skip);
    }

    private static bool IsLooseSubnet(string text)
    {
        // 81.2.69.160/24 has host bits set: dig sends it so, and the server masks it. Accept it likewise.
        return LocalServer.TryParseSubnet(text, out var address, out var prefix) && prefix <= address.GetAddressBytes().Length * 8;
    }

    private static GeoFacts? ReadGeo(Context context, (YamlScalar Key, YamlNode Value) entry)
    {
        if (entry.Value is YamlScalar { IsNull: true })
        {
            return new GeoFacts();
        }

        if (entry.Value is not YamlMapping mapping)
        {
            context.Error(entry.Value, FixtureDiagnosticIds.WrongShape, $"'geo' is a mapping of facts (country, continent, city, subdivision, location, asn, organization, network), not {entry.Value.Describe}");
            return null;
        }

        var facts = new GeoFacts();
        var geo = context.Entries(mapping, GeoKeys, "a geo fact");
        if (geo.TryGetValue("country", out var country) && context.Text(country, "an ISO country code") is { } code)
        {
            if (CountryCodes.Problem(code) is { } problem)
            {
                context.Error(country.Value, FixtureDiagnosticIds.BadValue, problem);
            }

            facts = facts with { Country = code.ToUpperInvariant(), Continent = facts.Continent ?? Continents.Of(code.ToUpperInvariant()) };
        }

        if (geo.TryGetValue("continent", out var continent) && context.Text(continent, "a continent code") is { } continentCode)
        {
            if (!Continents.IsContinent(continentCode))
            {
                context.Error(continent.Value, FixtureDiagnosticIds.BadValue, $"'{continentCode}' is not a continent code (AF, AN, AS, EU, NA, OC, SA)");
            }

            facts = facts with { Continent = continentCode.ToUpperInvariant() };
        }

        if (geo.TryGetValue("city", out var city))
        {
            facts = facts with { City = context.Text(city, "a city name") };
        }

        if (geo.TryGetValue("subdivision", out var subdivision))
        {
            facts = facts with { Subdivision = context.Text(subdivision, "an ISO subdivision code") };
        }

        if (geo.TryGetValue("location", out var location))
        {
            if (location.Value is YamlSequence { Items: [YamlScalar lat, YamlScalar lon] }
                && double.TryParse(lat.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var latitude) && latitude is >= -90 and <= 90
                && double.TryParse(lon.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var longitude) && longitude is >= -180 and <= 180)
            {
                facts = facts with { Latitude = latitude, Longitude = longitude };
            }
            else
            {
                context.Error(location.Value, FixtureDiagnosticIds.BadValue, "'location' is [latitude, longitude] in degrees, such as [48.86, 2.35]");
            }
        }

        foreach (var (key, set) in new (string, Func<GeoFacts, double, GeoFacts>)[] { ("latitude", (f, v) => f with { Latitude = v }), ("longitude", (f, v) => f with { Longitude = v }) })
        {
            if (geo.TryGetValue(key, out var one) && context.Text(one, "degrees") is { } degrees)
            {
                if (double.TryParse(degrees, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && Math.Abs(value) <= (key == "latitude" ? 90 : 180))
                {
                    facts = set(facts, value);
                }
                else
                {
                    context.Error(one.Value, FixtureDiagnosticIds.BadValue, $"'{degrees}' is not a {key} in degrees");
                }
            }
        }

        if ((facts.Latitude is null) != (facts.Longitude is null))
        {
            context.Error(mapping, FixtureDiagnosticIds.Missing, "a location needs both latitude and longitude (or 'location: [lat, lon]')");
        }

        if (geo.TryGetValue("asn", out var asn) && context.Text(asn, "an AS number") is { } asnText)
        {
            var digits = asnText.StartsWith("AS", StringComparison.OrdinalIgnoreCase) ? asnText[2..] : asnText;
            if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= uint.MaxValue)
            {
                facts = facts with { Asn = number };
            }
            else
            {
                context.Error(asn.Value, FixtureDiagnosticIds.BadValue, $"'{asnText}' is not an AS number such as 3215 or AS3215");
            }
        }

        if (geo.TryGetValue("organization", out var organization))
        {
            facts = facts with { AsnOrganization = context.Text(organization, "the AS's organisation") };
        }

        if (geo.TryGetValue("network", out var network) && context.Text(network, "a network") is { } networkText)
        {
            if (IsLooseSubnet(networkText) && IPNetwork.TryParse(networkText, out _))
            {
                facts = facts with { Network = networkText };
            }
            else
            {
                context.Error(network.Value, FixtureDiagnosticIds.BadValue, $"'{networkText}' is not a network such as 81.2.69.160/27");
            }
        }

        return facts;
    }

    private static Dictionary<string, HealthState>? ReadHealth(Context context, (YamlScalar Key, YamlNode Value) entry)
    {
        var states = new Dictionary<string, HealthState>(StringComparer.Ordinal);
        foreach (var (key, value) in context.Pairs(entry, "'health' is a mapping of check names to states (eu: down)"))
        {
            if (LocalQuestion.TryParseState(value, out var state))
            {
                states[key.Value] = state;
            }
            else
            {
                context.Error(key, FixtureDiagnosticIds.BadValue, $"'{value}' is not a health state: up, down, draining or unknown");
            }
        }

        return states;
    }

    private static Dictionary<string, HealthOverrideKind>? ReadOverrides(Context context, (YamlScalar Key, YamlNode Value) entry)
    {
        var overrides = new Dictionary<string, HealthOverrideKind>(StringComparer.Ordinal);
        foreach (var (key, value) in context.Pairs(entry, "'overrides' is a mapping of check names to overrides (eu: force-down)"))
        {
            if (HealthOverride.TryParseKind(value, out var kind))
            {
                overrides[key.Value] = kind;
            }
            else
            {
                context.Error(key, FixtureDiagnosticIds.BadValue, $"'{value}' is not an override: force-up, force-down or drain");
            }
        }

        return overrides;
    }

    private static FixtureExpectation? ReadExpect(Context context, (YamlScalar Key, YamlNode Value) entry)
    {
        if (entry.Value is not YamlMapping mapping)
        {
            context.Error(entry.Value is YamlScalar ? entry.Key : entry.Value, FixtureDiagnosticIds.WrongShape, $"'expect' is a mapping (rcode, answer, one-of, distribution, scope...), not {entry.Value.Describe}");
            return null;
        }

        var expect = new FixtureExpectation();
        var keys = context.Entries(mapping, ExpectKeys, "an expectation");
        if (keys.TryGetValue("rcode", out var rcode) && context.Text(rcode, "a response code") is { } rcodeText)
        {
            if (!Rcodes.Contains(rcodeText.ToUpperInvariant(), StringComparer.Ordinal))
            {
                context.Error(rcode.Value, FixtureDiagnosticIds.BadValue, $"'{rcodeText}' is not a response code ({string.Join(", ", Rcodes[..6])}...)");
            }

            expect = expect with { Rcode = rcodeText.ToUpperInvariant() };
        }

        if (keys.TryGetValue("answer", out var answer))
        {
            expect = expect with { Answer = ReadRecords(context, answer.Value) };
        }

        if (keys.TryGetValue("authority", out var authority))
        {
            expect = expect with { Authority = ReadRecords(context, authority.Value) };
        }

        if (keys.TryGetValue("additional", out var additional))
        {
            expect = expect with { Additional = ReadRecords(context, additional.Value) };
        }

        if (keys.TryGetValue("one-of", out var oneOf))
        {
            if (oneOf.Value is YamlSequence { Items.Count: > 0 } alternatives)
            {
                expect = expect with { OneOf = [.. alternatives.Items.Select(a => (IReadOnlyList<ExpectedRecord>)ReadRecords(context, a))] };
            }
            else
            {
                context.Error(oneOf.Value, FixtureDiagnosticIds.WrongShape, "'one-of' is a list of answers, each a record line or a list of them");
            }
        }

        if (keys.TryGetValue("distribution", out var distribution))
        {
            expect = expect with { Distribution = ReadDistribution(context, distribution) };
        }

        var answers = (expect.Answer is null ? 0 : 1) + (expect.OneOf is null ? 0 : 1) + (expect.Distribution is null ? 0 : 1);
        if (answers > 1)
        {
            context.Error(mapping, FixtureDiagnosticIds.Contradiction, "give one of 'answer', 'one-of' and 'distribution', not several");
        }

        if (keys.TryGetValue("ttl", out var ttl) && context.Text(ttl, "a TTL in seconds") is { } ttlText)
        {
            if (uint.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                expect = expect with { Ttl = seconds };
            }
            else
            {
                context.Error(ttl.Value, FixtureDiagnosticIds.BadValue, $"'{ttlText}' is not a TTL in seconds");
            }
        }

        if (keys.TryGetValue("scope", out var scope) && context.Text(scope, "an ECS scope prefix, or none") is { } scopeText)
        {
            var bare = scopeText.TrimStart('/');
            if (bare is "none")
            {
                expect = expect with { CheckScope = true, Scope = null };
            }
            else if (int.TryParse(bare, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) && prefix <= 128)
            {
                expect = expect with { CheckScope = true, Scope = prefix };
            }
            else
            {
                context.Error(scope.Value, FixtureDiagnosticIds.BadValue, $"'{scopeText}' is not an ECS scope: a prefix length (0 to 128), or none for an answer without ECS");
            }
        }

        if (keys.TryGetValue("aa", out var aa))
        {
            expect = expect with { Authoritative = context.Bool(aa) };
        }

        if (keys.TryGetValue("tc", out var tc))
        {
            expect = expect with { Truncated = context.Bool(tc) };
        }

        if (keys.TryGetValue("answered-by", out var by) && context.Text(by, "policy, fallback, zone or none") is { } byText)
        {
            if (Sources.Contains(byText, StringComparer.Ordinal))
            {
                expect = expect with { AnsweredBy = byText };
            }
            else
            {
                context.Error(by.Value, FixtureDiagnosticIds.BadValue, $"'{byText}' is not who answers: policy, fallback (the policy failed), zone (static data) or none");
            }
        }

        return expect;
    }

    private static List<ExpectedRecord> ReadRecords(Context context, YamlNode node)
    {
        var records = new List<ExpectedRecord>();
        IReadOnlyList<YamlNode> items = node switch
        {
            YamlSequence sequence => sequence.Items,
            YamlScalar { IsNull: true } => [],
            YamlScalar scalar => [scalar],
            _ => [node],
        };
        foreach (var item in items)
        {
            if (item is not YamlScalar { IsNull: false } line)
            {
                context.Error(item, FixtureDiagnosticIds.WrongShape, $"a record is one zone-file line ('www.example.com. 30 IN A 192.0.2.10' or 'A 192.0.2.10'), not {item.Describe}");
                continue;
            }

            if (ExpectedRecord.TryParse(line.Value, out var record, out var error))
            {
                records.Add(record);
            }
            else
            {
                context.Error(line, FixtureDiagnosticIds.BadValue, error);
            }
        }

        return records;
    }

    private static ExpectedDistribution? ReadDistribution(Context context, (YamlScalar Key, YamlNode Value) entry)
    {
        if (entry.Value is not YamlMapping mapping)
        {
            context.Error(entry.Value, FixtureDiagnosticIds.WrongShape, $"'distribution' is a mapping (runs, vary, tolerance, shares), not {entry.Value.Describe}");
            return null;
        }

        var keys = context.Entries(mapping, DistributionKeys, "a distribution setting");
        var runs = 1000;
        if (keys.TryGetValue("runs", out var runsEntry) && context.Text(runsEntry, "a count") is { } runsText)
        {
            if (!int.TryParse(runsText.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out runs) || runs is < 1 or > 1_000_000)
            {
                context.Error(runsEntry.Value, FixtureDiagnosticIds.BadValue, $"'{runsText}' is not a number of runs from 1 to 1000000");
                runs = 1000;
            }
        }

        var vary = "client";
        if (keys.TryGetValue("vary", out var varyEntry) && context.Text(varyEntry, "client, ecs or none") is { } varyText)
        {
            if (varyText is "client" or "ecs" or "none")
            {
                vary = varyText;
            }
            else
            {
                context.Error(varyEntry.Value, FixtureDiagnosticIds.BadValue, $"'{varyText}' is not what varies between runs: client (the source address), ecs (the client subnet) or none");
            }
        }

        double? tolerance = null;
        if (keys.TryGetValue("tolerance", out var toleranceEntry) && context.Text(toleranceEntry, "a share") is { } toleranceText)
        {
            tolerance = Share(toleranceText);
            if (tolerance is null)
            {
                context.Error(toleranceEntry.Value, FixtureDiagnosticIds.BadValue, $"'{toleranceText}' is not a tolerance such as 1% or 0.01");
            }
        }

        var shares = new List<ExpectedShare>();
        if (!keys.TryGetValue("shares", out var sharesEntry) || sharesEntry.Value is not YamlMapping sharesMapping)
        {
            context.Error(sharesEntry.Key is null ? mapping : sharesEntry.Value, FixtureDiagnosticIds.Missing, "'distribution' needs 'shares': a mapping of answers to shares ('A 192.0.2.10': 99%); several records in one answer are separated by ';'");
            return null;
        }

        foreach (var (key, value) in sharesMapping.Entries)
        {
            var records = new List<ExpectedRecord>();
            foreach (var part in key.Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (ExpectedRecord.TryParse(part, out var record, out var error))
                {
                    records.Add(record);
                }
                else
                {
                    context.Error(key, FixtureDiagnosticIds.BadValue, error);
                }
            }

            if (value is YamlScalar { IsNull: false } scalar && Share(scalar.Value) is { } share)
            {
                shares.Add(new ExpectedShare(records, share, key.Line));
            }
            else
            {
                context.Error(value, FixtureDiagnosticIds.BadValue, $"the share of '{key.Value}' is a percentage such as 99% or a fraction such as 0.99");
            }
        }

        var total = shares.Sum(s => s.Share);
        if (shares.Count > 0 && Math.Abs(total - 1) > 0.0001)
        {
            context.Error(sharesMapping, FixtureDiagnosticIds.Contradiction, string.Create(CultureInfo.InvariantCulture, $"the shares sum to {total * 100:0.##}%, not 100%"));
        }

        return new ExpectedDistribution(runs, vary, tolerance, shares);
    }

    /// <summary>A share: <c>99%</c>, <c>0.1%</c> or <c>0.99</c>.</summary>
    private static double? Share(string text)
    {
        var percent = text.EndsWith('%');
        var number = percent ? text[..^1].Trim() : text.Trim();
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        value = percent ? value / 100 : value;
        return value is >= 0 and <= 1 ? value : null;
    }

    private sealed class Context(string file)
    {
        private readonly List<PolicyDiagnostic> _diagnostics = [];

        public string File => file;

        public FolderBoundary? Boundary { get; init; }

        public int ErrorCount { get; private set; }

        public void Error(YamlNode node, string id, string message) => Error(node.Line, node.Column, id, message);

        public void Error(int line, int column, string id, string message)
        {
            // A default is read again for each case: its error is reported once, where it is written.
            var diagnostic = new PolicyDiagnostic(file, line, column, true, id, message);
            if (!_diagnostics.Contains(diagnostic))
            {
                _diagnostics.Add(diagnostic);
            }

            ErrorCount++;
        }

        public void Warning(YamlNode node, string id, string message) => Warning(node.Line, node.Column, id, message);

        public void Warning(int line, int column, string id, string message) => _diagnostics.Add(new PolicyDiagnostic(file, line, column, false, id, message));

        public FixtureFile Result(List<FixtureCase> cases) =>
            new(file, ErrorCount > 0 ? [] : cases, [.. _diagnostics.OrderBy(d => d.Line).ThenBy(d => d.Column)]);

        /// <summary>The entries of a mapping by key, reporting unknown and repeated keys.</summary>
        public Dictionary<string, (YamlScalar Key, YamlNode Value)> Entries(YamlMapping mapping, string[] known, string what) =>
            mapping.ByKey(known, what, (key, problem, message) => Error(key, problem == YamlKeyProblem.Unknown ? FixtureDiagnosticIds.UnknownKey : FixtureDiagnosticIds.DuplicateKey, message));

        /// <summary>The value of a setting as text, or null after reporting what it should be.</summary>
        public string? Text((YamlScalar Key, YamlNode Value) entry, string expected)
        {
            if (entry.Value is YamlScalar { IsNull: false } scalar)
            {
                return scalar.Value;
            }

            Error(entry.Value is YamlScalar ? entry.Key : entry.Value, FixtureDiagnosticIds.WrongShape, $"'{entry.Key.Value}' needs {expected}, not {entry.Value.Describe}");
            return null;
        }

        public bool? Bool((YamlScalar Key, YamlNode Value) entry)
        {
            switch (Text(entry, "true or false")?.ToLowerInvariant())
            {
                case "true" or "yes" or "on":
                    return true;
                case "false" or "no" or "off":
                    return false;
                case null:
                    return null;
                default:
                    Error(entry.Value, FixtureDiagnosticIds.BadValue, $"'{entry.Key.Value}' is true or false");
                    return null;
            }
        }

        /// <summary>A mapping of names to words (<c>eu: down</c>).</summary>
        public List<(YamlScalar Key, string Value)> Pairs((YamlScalar Key, YamlNode Value) entry, string shape)
        {
            var pairs = new List<(YamlScalar, string)>();
            if (entry.Value is YamlScalar { IsNull: true })
            {
                return pairs;
            }

            if (entry.Value is not YamlMapping mapping)
            {
                Error(entry.Value, FixtureDiagnosticIds.WrongShape, $"{shape}, not {entry.Value.Describe}");
                return pairs;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, value) in mapping.Entries)
            {
                if (!seen.Add(key.Value))
                {
                    Error(key, FixtureDiagnosticIds.DuplicateKey, $"'{key.Value}' is given twice");
                }
                else if (value is YamlScalar { IsNull: false } scalar)
                {
                    pairs.Add((key, scalar.Value));
                }
                else
                {
                    Error(value is YamlScalar ? key : value, FixtureDiagnosticIds.WrongShape, $"{shape}: '{key.Value}' needs a word, not {value.Describe}");
                }
            }

            return pairs;
        }
    }
}
