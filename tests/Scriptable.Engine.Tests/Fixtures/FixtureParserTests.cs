using Scriptable.Engine.Fixtures;
using Scriptable.Engine.Geo;
using Scriptable.Engine.Health;
using Scriptable.Engine.Policies;
using Scriptable.Policies;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Fixtures;

/// <summary>
/// FixtureParser: every diagnostic at its <c>file(line,col)</c>, defaults, the default name, typo hints, and
/// the values a case states (client, subnet, time, geo, health, overrides) and expects.
/// </summary>
public sealed class FixtureParserTests : IDisposable
{
    private const string File = "t.fixtures.yaml";
    private const string DefaultName = "www.example.org.";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private FixtureFile Parse(string yaml, string? defaultName = DefaultName) =>
        FixtureParser.Parse(yaml.ReplaceLineEndings("\n"), File, _temp.Path, defaultName);

    private FixtureCase Single(string yaml, string? defaultName = DefaultName)
    {
        var file = Parse(yaml, defaultName);
        Assert.True(file.Diagnostics.Count == 0, string.Join("\n", file.Diagnostics));
        return Assert.Single(file.Cases);
    }

    /// <summary>A case whose question settings are <paramref name="settings"/> (each line indented as in a case).</summary>
    private static string Case(params string[] settings) =>
        "cases:\n  - case: the case\n" + string.Concat(settings.Select(s => "    " + s + "\n")) + (settings.Any(s => s.StartsWith("expect", StringComparison.Ordinal)) ? "" : "    expect: { rcode: NOERROR }\n");

    // ---- Diagnostics -----------------------------------------------------------------------------------

    /// <summary>One row per diagnostic: the YAML, where and what is reported (<c>(line,col): error FIXnnn</c>), and part of the message.</summary>
    public static TheoryData<string, string, string> Errors => new()
    {
        // FIX001: syntax.
        { "cases:\n  - case: a\n    expect: {rcode: NOERROR\n", "(4,1): error FIX001", "" },
        { "cases:\n\t- case: a\n", "(2,1): error FIX001", "a tab indents this line" },
        { "cases: []\n---\ncases: []\n", "(2,1): error FIX001", "remove this second one" },

        // FIX002: shapes.
        { "- case: a\n", "(1,1): error FIX002", "a fixture file is a mapping with the keys defaults, geo-databases, cases, not a list" },
        { "defaults: [a]\ncases: []\n", "(1,11): error FIX002", "'defaults' is a mapping of question settings, not a list" },
        { "cases: { a: b }\n", "(1,8): error FIX002", "'cases' is a list of cases" },
        { "cases:\n  - just words\n", "(2,5): error FIX002", "a case is a mapping" },
        { "geo-databases: { a: b }\ncases: []\n", "(1,16): error FIX002", "'geo-databases' is a list of .mmdb files, not a mapping" },
        { "geo-databases: [[a]]\ncases: []\n", "(1,17): error FIX002", "'geo-databases' lists file paths, not a list" },
        { Case("expect: nothing"), "(3,5): error FIX002", "'expect' is a mapping (rcode, answer, one-of, distribution, scope...), not a value" },
        { Case("expect: [rcode]"), "(3,13): error FIX002", "'expect' is a mapping" },
        { "cases:\n  - case: [a, b]\n    expect: {}\n", "(2,11): error FIX002", "'case' needs a few words saying what the case checks, not a list" },
        { Case("client:"), "(3,5): error FIX002", "'client' needs an address, not nothing" },
        { Case("type: { a: b }"), "(3,11): error FIX002", "'type' needs a record type, not a mapping" },
        { Case("geo: [GB]"), "(3,10): error FIX002", "'geo' is a mapping of facts" },
        { Case("health: [eu]"), "(3,13): error FIX002", "'health' is a mapping of check names to states (eu: down), not a list" },
        { Case("health: { eu: [up] }"), "(3,19): error FIX002", "'eu' needs a word, not a list" },
        { Case("overrides: drain"), "(3,16): error FIX002", "'overrides' is a mapping of check names to overrides" },
        { Case("expect:", "  one-of: []"), "(4,15): error FIX002", "'one-of' is a list of answers" },
        { Case("expect:", "  answer: [{ A: 192.0.2.1 }]"), "(4,16): error FIX002", "a record is one zone-file line" },
        { Case("expect:", "  distribution: 50%"), "(4,21): error FIX002", "'distribution' is a mapping (runs, vary, tolerance, shares), not a value" },

        // FIX003: unknown keys, with the nearest known one when it is close.
        { "casez: []\n", "(1,1): error FIX003", "'casez' is not a top-level key (defaults, geo-databases, cases); did you mean 'cases'?" },
        { "defaults:\n  expect: {}\ncases: []\n", "(2,3): error FIX003", "'expect' is not a default (a question setting)" },
        { Case("exepct: {}"), "(3,5): error FIX003", "did you mean 'expect'?" },
        { Case("tranport: tcp"), "(3,5): error FIX003", "did you mean 'transport'?" },
        { Case("geo: { contry: GB }"), "(3,12): error FIX003", "'contry' is not a geo fact (country, continent, city, subdivision, location, latitude, longitude, asn, organization, network); did you mean 'country'?" },
        { Case("expect:", "  answr: []"), "(4,7): error FIX003", "did you mean 'answer'?" },
        { Case("expect:", "  distribution: { runs: 10, shares: { A 192.0.2.1: 1 }, varry: ecs }"), "(4,61): error FIX003", "did you mean 'vary'?" },

        // FIX004: a key twice.
        { Case("type: A", "type: AAAA"), "(4,5): error FIX004", "'type' is given twice (first at line 3)" },
        { Case("health: { eu: up, eu: down }"), "(3,23): error FIX004", "'eu' is given twice" },

        // FIX005: values that do not parse.
        { Case("name: www..example.org"), "(3,11): error FIX005", "'www..example.org' is not a domain name" },
        { Case("type: AAA"), "(3,11): error FIX005", "'AAA' is not a record type" },
        { Case("client: 192.0.2.300"), "(3,13): error FIX005", "'192.0.2.300' is not an address such as 192.0.2.1" },
        { Case("client: 192.0.2"), "(3,13): error FIX005", "'192.0.2' is not an address" },
        { Case("client: 192.0.2.0/24"), "(3,13): error FIX005", "(a subnet goes in 'ecs:')" },
        { Case("ecs: 81.2.69.160/33"), "(3,10): error FIX005", "'81.2.69.160/33' is not a subnet such as 81.2.69.160/27" },
        { Case("ecs: 81.2.69.160"), "(3,10): error FIX005", "is not a subnet" },
        { Case("ecs: 10/8"), "(3,10): error FIX005", "'10/8' is not a subnet" },
        { Case("ecs: 2001:db8::/129"), "(3,10): error FIX005", "is not a subnet" },
        { Case("transport: quic"), "(3,16): error FIX005", "'quic' is not a transport: udp or tcp" },
        { Case("edns: maybe"), "(3,11): error FIX005", "'edns' is true or false" },
        { Case("dnssec: 2"), "(3,13): error FIX005", "'dnssec' is true or false" },
        { Case("time: yesterday"), "(3,11): error FIX005", "'yesterday' is not a time such as 2026-11-30T03:00:00Z" },
        { Case("time: 03:00:00"), "(3,11): error FIX005", "is not a time" },
        { Case("geo: { country: GBR }"), "(3,21): error FIX005", "'GBR' is not an ISO 3166 country code" },
        { Case("geo: { continent: EA }"), "(3,23): error FIX005", "'EA' is not a continent code" },
        { Case("geo: { location: [91, 0] }"), "(3,22): error FIX005", "'location' is [latitude, longitude]" },
        { Case("geo: { latitude: north, longitude: 0 }"), "(3,22): error FIX005", "'north' is not a latitude in degrees" },
        { Case("geo: { asn: ASX }"), "(3,17): error FIX005", "'ASX' is not an AS number" },
        { Case("geo: { network: 81.2.69.160/40 }"), "(3,21): error FIX005", "'81.2.69.160/40' is not a network such as 81.2.69.160/27" },
        { Case("geo: { network: 10/8 }"), "(3,21): error FIX005", "'10/8' is not a network" },
        { Case("ecs: 192.0.2/24"), "(3,10): error FIX005", "'192.0.2/24' is not a subnet" },
        { Case("client: 10"), "(3,13): error FIX005", "'10' is not an address" },
        { Case("health: { eu: sick }"), "(3,15): error FIX005", "'sick' is not a health state: up, down, draining or unknown" },
        { Case("overrides: { eu: off }"), "(3,18): error FIX005", "'off' is not an override: force-up, force-down or drain" },
        { Case("expect:", "  rcode: NOERR"), "(4,14): error FIX005", "'NOERR' is not a response code" },
        { Case("expect:", "  answer: [A 192.0.2.300]"), "(4,16): error FIX005", "'A 192.0.2.300'" },
        { Case("expect:", "  answer: [192.0.2.1]"), "(4,16): error FIX005", "'192.0.2.1' is not a record: write it as a zone-file line" },
        { Case("expect:", "  ttl: 30s"), "(4,12): error FIX005", "'30s' is not a TTL in seconds" },
        { Case("expect:", "  scope: /129"), "(4,14): error FIX005", "'/129' is not an ECS scope" },
        { Case("expect:", "  scope: all"), "(4,14): error FIX005", "a prefix length (0 to 128), or none" },
        { Case("expect:", "  aa: sometimes"), "(4,11): error FIX005", "'aa' is true or false" },
        { Case("expect:", "  answered-by: server"), "(4,20): error FIX005", "'server' is not who answers" },
        { Case("expect:", "  distribution: { runs: 0, shares: { A 192.0.2.1: 1 } }"), "(4,29): error FIX005", "'0' is not a number of runs from 1 to 1000000" },
        { Case("expect:", "  distribution: { vary: subnet, shares: { A 192.0.2.1: 1 } }"), "(4,29): error FIX005", "'subnet' is not what varies between runs" },
        { Case("expect:", "  distribution: { tolerance: lots, shares: { A 192.0.2.1: 1 } }"), "(4,34): error FIX005", "'lots' is not a tolerance" },
        { Case("expect:", "  distribution: { shares: { A 192.0.2.1: half } }"), "(4,46): error FIX005", "the share of 'A 192.0.2.1' is a percentage" },
        { Case("expect:", "  distribution: { shares: { A 192.0.2.1: 101% } }"), "(4,46): error FIX005", "the share of 'A 192.0.2.1'" },
        { Case("expect:", "  distribution: { shares: { B 192.0.2.1: 1 } }"), "(4,33): error FIX005", "'B 192.0.2.1' is not a record" },

        // FIX006: something a case needs is missing.
        { "cases:\n  - name: www.example.org\n    expect: {}\n", "(2,5): error FIX006", "the case has no 'case:' saying what it checks" },
        { "cases:\n  - case: no expectation\n", "(2,5): error FIX006", "the case 'no expectation' expects nothing: add 'expect:'" },
        { Case("geo: { latitude: 48.8 }"), "(3,10): error FIX006", "a location needs both latitude and longitude" },
        { Case("expect:", "  distribution: { runs: 10 }"), "(4,21): error FIX006", "'distribution' needs 'shares'" },
        { Case("expect:", "  distribution: { runs: 10, shares: [A 192.0.2.1] }"), "(4,41): error FIX006", "'distribution' needs 'shares'" },

        // FIX007: a geo database that is not there.
        { "geo-databases: [missing.mmdb]\ncases: []\n", "(1,17): error FIX007", "the geo database 'missing.mmdb' does not exist" },
        { "geo-databases: missing.mmdb\ncases: []\n", "(1,16): error FIX007", "does not exist" },

        // FIX008: expectations that cannot all hold.
        { Case("expect:", "  answer: [A 192.0.2.1]", "  one-of: [A 192.0.2.1, A 192.0.2.2]"), "(4,7): error FIX008", "give one of 'answer', 'one-of' and 'distribution', not several" },
        { Case("expect: { one-of: [A 192.0.2.1], distribution: { shares: { A 192.0.2.1: 1 } } }"), "(3,13): error FIX008", "not several" },
        { Case("expect:", "  distribution: { shares: { A 192.0.2.1: 60%, A 192.0.2.2: 30% } }"), "(4,31): error FIX008", "the shares sum to 90%, not 100%" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Parse_BadFile_ErrorAtItsPosition_NoCases(string yaml, string where, string message)
    {
        var file = Parse(yaml);

        Assert.True(file.HasErrors, "no error for:\n" + yaml);
        Assert.Empty(file.Cases);
        var texts = file.Diagnostics.Select(d => d.ToString()).ToList();
        Assert.True(
            texts.Any(t => t.StartsWith(File + where + ": ", StringComparison.Ordinal) && t.Contains(message, StringComparison.Ordinal)),
            $"expected {File}{where}: ...{message}... among:\n{string.Join("\n", texts)}");
    }

    [Fact]
    public void Parse_UnknownKeyFarFromAny_NoSuggestion()
    {
        var file = Parse(Case("zzzzzzzz: 1"));

        var diagnostic = Assert.Single(file.Diagnostics);
        Assert.Equal(FixtureDiagnosticIds.UnknownKey, diagnostic.Id);
        Assert.DoesNotContain("did you mean", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralErrors_AllReportedInFileOrder()
    {
        var file = Parse("""
            cases:
              - case: one
                client: nowhere
                expect: { rcode: NOPE }
              - case: two
                typ: A
                expect: { ttl: x }
            """);

        Assert.Equal(
        [
            (3, 13, "FIX005"),
            (4, 22, "FIX005"),
            (6, 5, "FIX003"),
            (7, 20, "FIX005"),
        ], file.Diagnostics.Select(d => (d.Line, d.Column, d.Id)));
    }

    [Fact]
    public void Parse_OneBadCase_FileRunsNoCase()
    {
        var file = Parse("""
            cases:
              - case: good
                expect: { rcode: NOERROR }
              - case: bad
                expect: { rcode: WHAT }
            """);

        Assert.True(file.HasErrors);
        Assert.Empty(file.Cases);
    }

    [Fact]
    public void Parse_BadDefault_ReportedOnceAtTheDefault()
    {
        // A default is read again for every case; its error is one error, where it is written.
        var file = Parse("""
            defaults:
              client: 192.0.2.999
            cases:
              - case: one
                expect: {}
              - case: two
                expect: {}
            """);

        var diagnostic = Assert.Single(file.Diagnostics);
        Assert.Equal("t.fixtures.yaml(2,11): error FIX005: '192.0.2.999' is not an address such as 192.0.2.1 or 2001:db8::1 (a subnet goes in 'ecs:')", diagnostic.ToString());
    }

    [Fact]
    public void Parse_NoName_ErrorAtTheCase()
    {
        var file = Parse("cases:\n  - case: nameless\n    expect: {}\n", defaultName: null);

        var diagnostic = Assert.Single(file.Diagnostics);
        Assert.Equal("t.fixtures.yaml(2,5): error FIX006", diagnostic.ToString()[..diagnostic.ToString().IndexOf(": the", StringComparison.Ordinal)]);
        Assert.Contains("the case asks no name: give 'name:'", diagnostic.Message, StringComparison.Ordinal);
    }

    // Issue 13: a fixture file that tests nothing is an error at its first line, not a silent pass.
    [Theory]
    [InlineData("", "t.fixtures.yaml(1,1): error FIX006: the fixture file is empty: it tests nothing")]
    [InlineData("# only a comment\n", "t.fixtures.yaml(1,1): error FIX006: the fixture file is empty: it tests nothing")]
    [InlineData("cases: []\n", "t.fixtures.yaml(1,8): error FIX006: the 'cases' list is empty: it tests nothing")]
    [InlineData("cases:\n", "t.fixtures.yaml(1,1): error FIX006: the file has no cases: it tests nothing")]
    public void Parse_NothingToRun_ErrorFix006(string yaml, string expected)
    {
        var file = Parse(yaml);

        Assert.True(file.HasErrors);
        Assert.Empty(file.Cases);
        Assert.StartsWith(expected, Assert.Single(file.Diagnostics).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoCasesKey_ErrorFix006()
    {
        var file = Parse("defaults: { type: A }\n");

        var diagnostic = Assert.Single(file.Diagnostics);
        Assert.True(diagnostic.IsError);
        Assert.Equal("t.fixtures.yaml(1,1): error FIX006: the file has no cases: it tests nothing (add a 'cases:' list)", diagnostic.ToString());
    }

    [Fact]
    public void Parse_SameWordsTwice_WarningFix004_CasesStillRun()
    {
        var file = Parse("""
            cases:
              - case: same words
                expect: {}
              - case: other words
                expect: {}
              - case: same words
                type: AAAA
                expect: {}
            """);

        var diagnostic = Assert.Single(file.Diagnostics);
        Assert.Equal("t.fixtures.yaml(6,1): warning FIX004: the case 'same words' is named like the one at line 2: give each case its own words", diagnostic.ToString());
        Assert.Equal(3, file.Cases.Count);
    }

    [Fact]
    public void ParseFile_Missing_Fix001NotAnException()
    {
        var path = Path.Combine(_temp.Path, "absent.fixtures.yaml");

        var file = FixtureParser.ParseFile(path, "shown.fixtures.yaml");

        var diagnostic = Assert.Single(file.Diagnostics);
        Assert.StartsWith("shown.fixtures.yaml: error FIX001: cannot read the file: ", diagnostic.ToString(), StringComparison.Ordinal);
        Assert.Empty(file.Cases);
    }

    [Fact]
    public void ParseFile_GeoDatabasesRelativeToTheFile()
    {
        var database = _temp.Write("zone/_data/city.mmdb", "not read by the parser");
        var path = _temp.Write("zone/www.fixtures.yaml", "geo-databases: [_data/city.mmdb]\ncases:\n  - case: a\n    expect: {}\n");

        var file = FixtureParser.ParseFile(path, defaultName: DefaultName);

        Assert.Empty(file.Diagnostics);
        Assert.Equal([database], Assert.Single(file.Cases).Question.GeoDatabases!);
        Assert.Equal(path, file.File);
    }

    // ---- Defaults and the name asked ---------------------------------------------------------------------

    [Fact]
    public void Parse_Defaults_EveryCaseStartsFromThem_CaseSettingsWin()
    {
        var file = Parse("""
            defaults:
              type: AAAA
              client: 198.51.100.7
              transport: tcp
              health: { eu: down }
              geo: { country: FR }
            cases:
              - case: from the defaults
                expect: {}
              - case: its own
                type: TXT
                transport: udp
                health: { na: up }
                geo: { country: US }
                expect: {}
            """);

        Assert.Empty(file.Diagnostics);
        var (first, second) = (file.Cases[0].Question, file.Cases[1].Question);
        Assert.Equal(("AAAA", "198.51.100.7", true, "FR", "EU"), (first.Type, first.Client, first.Tcp, first.Geo!.Country, first.Geo.Continent));
        Assert.Equal(HealthState.Down, first.Health!["eu"]);
        Assert.Equal(("TXT", "198.51.100.7", false, "US", "NA"), (second.Type, second.Client, second.Tcp, second.Geo!.Country, second.Geo.Continent));
        // A mapping given by the case replaces the default's: it is not merged with it.
        Assert.Equal(["na"], second.Health!.Keys);
    }

    [Fact]
    public void Parse_Name_CaseThenDefaultsThenThePolicyBeside()
    {
        var file = Parse("""
            defaults: { name: api.example.org }
            cases:
              - case: from defaults
                expect: {}
              - case: its own
                name: mail.example.org.
                expect: {}
            """);
        var beside = Single("cases:\n  - case: beside\n    expect: {}\n");

        Assert.Equal("api.example.org", file.Cases[0].Question.Name);
        Assert.Equal("mail.example.org.", file.Cases[1].Question.Name);
        Assert.Equal(DefaultName, beside.Question.Name);
    }

    [Fact]
    public void Parse_QuestionDefaults_WhenNothingIsSaid()
    {
        var fixture = Single("cases:\n  - case: bare\n    expect: {}\n");

        var q = fixture.Question;
        Assert.Equal(("A", "192.0.2.1", null, false, true, false), (q.Type, q.Client, q.Ecs, q.Tcp, q.Edns, q.DnssecOk));
        Assert.Null(q.Geo);
        Assert.Null(q.Health);
        Assert.Null(q.Overrides);
        Assert.Null(q.Time);
        Assert.Null(q.GeoDatabases);
        Assert.Null(fixture.Skip);
        Assert.Equal((File, 2, "bare"), (fixture.File, fixture.Line, fixture.Name));
        Assert.Equal("t.fixtures.yaml:2", fixture.Location);
    }

    [Fact]
    public void Parse_EverySetting()
    {
        var fixture = Single("""
            cases:
              - case: everything
                name: www.example.org
                type: txt
                client: 2001:db8::7
                ecs: 2001:db8:1::/48
                transport: TCP
                edns: no
                dnssec: yes
                skip: not today
                expect: {}
            """);

        var q = fixture.Question;
        Assert.Equal(("www.example.org", "TXT", "2001:db8::7", "2001:db8:1::/48", true, false, true), (q.Name, q.Type, q.Client, q.Ecs, q.Tcp, q.Edns, q.DnssecOk));
        Assert.Equal("not today", fixture.Skip);
        Assert.Equal("www.example.org. TXT, ECS 2001:db8:1::/48, over TCP", fixture.Describe());
    }

    // ---- Values ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("81.2.69.160/27")]
    [InlineData("81.2.69.160/24")]   // host bits set: dig sends it so, the server masks it
    [InlineData("81.2.69.161/0")]
    [InlineData("2001:db8::1/48")]
    [InlineData("192.0.2.1/32")]
    public void Parse_Ecs_LooseSubnetKeptAsWritten(string subnet)
    {
        var fixture = Single(Case($"ecs: {subnet}"));

        Assert.Equal(subnet, fixture.Question.Ecs);
        Assert.Equal($"www.example.org. A, ECS {subnet}", fixture.Describe());
    }

    [Theory]
    [InlineData("2026-11-30T03:00:00Z", "2026-11-30T03:00:00+00:00")]
    [InlineData("2026-11-30T05:00:00+02:00", "2026-11-30T03:00:00+00:00")]
    [InlineData("2026-11-29T22:00:00-05:00", "2026-11-30T03:00:00+00:00")]
    [InlineData("2026-11-30T03:00:00", "2026-11-30T03:00:00+00:00")]      // no offset: UTC, not the machine's zone
    [InlineData("2026-11-30 03:00", "2026-11-30T03:00:00+00:00")]
    public void Parse_Time_WithOrWithoutOffset_AnInstantInUtc(string text, string expected)
    {
        var fixture = Single(Case($"time: \"{text}\""));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), fixture.Question.Time);
        Assert.Equal(TimeSpan.Zero, fixture.Question.Time!.Value.Offset);
    }

    [Fact]
    public void Parse_Geo_ContinentFollowsTheCountryUnlessGiven()
    {
        var file = Parse("""
            cases:
              - case: derived
                geo: { country: gb }
                expect: {}
              - case: given
                geo: { country: GB, continent: na }
                expect: {}
              - case: every fact
                geo:
                  country: JP
                  city: Tokyo
                  subdivision: "13"
                  location: [35.68, 139.69]
                  asn: AS2497
                  organization: IIJ
                  network: 203.0.113.0/24
                expect: {}
              - case: latitude and longitude apart
                geo: { latitude: -33.9, longitude: 151.2, asn: 64496 }
                expect: {}
              - case: nothing known
                geo:
                expect: {}
            """);

        Assert.Empty(file.Diagnostics);
        Assert.Equal(new GeoFacts("GB", "EU"), file.Cases[0].Question.Geo);
        Assert.Equal(new GeoFacts("GB", "NA"), file.Cases[1].Question.Geo);
        Assert.Equal(new GeoFacts("JP", "AS", "Tokyo", "13", 35.68, 139.69, 2497, "IIJ", "203.0.113.0/24"), file.Cases[2].Question.Geo);
        Assert.Equal(new GeoFacts(Latitude: -33.9, Longitude: 151.2, Asn: 64496), file.Cases[3].Question.Geo);
        Assert.Equal(new GeoFacts(), file.Cases[4].Question.Geo);
    }

    [Fact]
    public void Parse_HealthAndOverrides()
    {
        var fixture = Single(Case("health: { eu: UP, na: down, ap: drain, sa: draining, af: unknown }", "overrides: { eu: force-down, na: force_up, ap: drain }"));

        Assert.Equal(
            new Dictionary<string, HealthState> { ["eu"] = HealthState.Up, ["na"] = HealthState.Down, ["ap"] = HealthState.Draining, ["sa"] = HealthState.Draining, ["af"] = HealthState.Unknown },
            fixture.Question.Health);
        Assert.Equal(
            new Dictionary<string, HealthOverrideKind> { ["eu"] = HealthOverrideKind.ForceDown, ["na"] = HealthOverrideKind.ForceUp, ["ap"] = HealthOverrideKind.Drain },
            fixture.Question.Overrides);
    }

    [Fact]
    public void Parse_Expectations()
    {
        var fixture = Single("""
            cases:
              - case: every expectation
                expect:
                  rcode: nxdomain
                  authority: [example.org. 60 IN SOA ns1.example.org. hostmaster.example.org. 1 3600 600 604800 60]
                  additional: []
                  ttl: 30
                  scope: /24
                  aa: true
                  tc: off
                  answered-by: zone
            """);

        var e = fixture.Expect;
        Assert.Equal("NXDOMAIN", e.Rcode);
        Assert.Equal("NXDOMAIN", e.EffectiveRcode);
        Assert.Equal("SOA", Assert.Single(e.Authority!).Type);
        Assert.Empty(e.Additional!);
        Assert.Null(e.Answer);
        Assert.Equal((30u, true, 24, true, false, "zone"), (e.Ttl, e.CheckScope, e.Scope, e.Authoritative, e.Truncated, e.AnsweredBy));
    }

    [Theory]
    [InlineData("answer: [A 192.0.2.1]", "NOERROR")]
    [InlineData("answer: A 192.0.2.1", "NOERROR")]
    [InlineData("answer: []", "NOERROR")]               // NODATA is NOERROR: an NXDOMAIN must not pass for it
    [InlineData("one-of: [A 192.0.2.1]", "NOERROR")]
    [InlineData("distribution: { shares: { A 192.0.2.1: 1 } }", "NOERROR")]
    [InlineData("{ rcode: nxdomain, answer: [] }", "NXDOMAIN")]
    [InlineData("{ scope: 24 }", null)]
    public void Parse_AnAnswerImpliesNoError(string expect, string? rcode)
    {
        var fixture = Single(Case("expect: " + (expect.StartsWith('{') ? expect : "{ " + expect + " }")));

        Assert.Equal(rcode, fixture.Expect.EffectiveRcode);
    }

    [Theory]
    [InlineData("none", null)]
    [InlineData("0", 0)]
    [InlineData("27", 27)]
    [InlineData("/56", 56)]
    [InlineData("128", 128)]
    public void Parse_Scope(string text, int? scope)
    {
        var fixture = Single(Case("expect:", "  scope: " + text));

        Assert.True(fixture.Expect.CheckScope);
        Assert.Equal(scope, fixture.Expect.Scope);
    }

    [Fact]
    public void Parse_OneOf_LinesAndLists()
    {
        var fixture = Single(Case("expect:", "  one-of:", "    - A 192.0.2.1", "    - [A 192.0.2.2, A 192.0.2.3]", "    - []"));

        Assert.Equal([1, 2, 0], fixture.Expect.OneOf!.Select(a => a.Count));
        Assert.Equal("192.0.2.3", fixture.Expect.OneOf![1][1].Data);
    }

    [Fact]
    public void Parse_Distribution()
    {
        var file = Parse("""
            cases:
              - case: defaults
                expect:
                  distribution:
                    shares:
                      A 192.0.2.10: 99%
                      "A 192.0.2.11; A 192.0.2.12": 0.01
              - case: everything
                ecs: 10.0.0.0/24
                expect:
                  distribution:
                    runs: 20_000
                    vary: ecs
                    tolerance: 0.3%
                    shares: { A 192.0.2.10: 0.5, A 192.0.2.11: 50 % }
            """);

        Assert.Empty(file.Diagnostics);
        var first = file.Cases[0].Expect.Distribution!;
        Assert.Equal((1000, "client", (double?)null), (first.Runs, first.Vary, first.Tolerance));
        Assert.Equal([1, 2], first.Shares.Select(s => s.Answer.Count));
        Assert.Equal([0.99, 0.01], first.Shares.Select(s => s.Share));
        Assert.Equal([6, 7], first.Shares.Select(s => s.Line));
        var second = file.Cases[1].Expect.Distribution!;
        Assert.Equal((20_000, "ecs"), (second.Runs, second.Vary));
        Assert.Equal(0.003, second.Tolerance!.Value, 9);
        Assert.Equal(0.003, second.ToleranceFor(0.5), 9);
        // Without a tolerance: four standard deviations of the binomial, plus half a run.
        Assert.Equal((4 * Math.Sqrt(0.99 * 0.01 / 1000)) + 0.0005, first.ToleranceFor(0.99), 12);
    }

    [Fact]
    public void Parse_Diagnostics_AreFixtureDiagnostics()
    {
        var diagnostic = Assert.Single(Parse(Case("type: AAA")).Diagnostics);

        Assert.Equal(new PolicyDiagnostic(File, 3, 11, true, FixtureDiagnosticIds.BadValue, diagnostic.Message), diagnostic);
    }
}
