using Scriptable.TestCommon;
using Scriptable.Engine.Health;
using Scriptable.Engine.Protocol;
using Scriptable.Policies;

namespace Scriptable.Engine.Tests.Health;

public sealed class HealthConfigParserTests
{
    private const string Example = """
        defaults: { interval: 5s, timeout: 2s, rise: 2, fall: 3, initial: up }
        checks:
          eu:
            http: http://127.0.0.1:5308/health
            method: get
            host: www.example.com
            expect: 200-299
            body: ok
            interval: 3s
            fall: 2
          eu2: { http: "https://192.0.2.10/health", tls-verify: false, initial: down }
          na:  { tcp: 127.0.0.1:5307 }
          ns1: { dns: 127.0.0.1:53, query: example.com SOA }
          ns6: { dns: "[::1]", query: example.org }
          db:  { command: [ /usr/local/bin/check-db, --quick ], timeout: 500ms, interval: 1m30s }
        groups:
          europe: { members: [eu, eu2], min-up: 1 }
          dns: [ns1, ns6]
        """;

    /// <summary>Command checks on, programs of /usr/local/bin (where the example's check-db is not installed).</summary>
    private static readonly CommandCheckPolicy LocalBin = new() { Enabled = true, Directories = ["/usr/local/bin"] };

    [Fact]
    public void Parse_Example_EverySetting()
    {
        var result = HealthConfigParser.Parse(Example, "health.yaml", LocalBin);

        Assert.Equal("health.yaml(15,21): warning HLT039: '/usr/local/bin/check-db' does not exist (yet): its probes fail until it does", Assert.Single(result.Diagnostics).ToString());
        var config = result.Config!;
        Assert.Equal(["eu", "eu2", "na", "ns1", "ns6", "db"], config.Checks.Select(c => c.Name));
        var eu = config.Checks[0];
        Assert.Equal(new HttpProbeConfig(new Uri("http://127.0.0.1:5308/health"), "GET", "www.example.com", 200, 299, "ok", true), eu.Probe);
        Assert.Equal((TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2), 2, 2, HealthState.Up), (eu.Interval, eu.Timeout, eu.Rise, eu.Fall, eu.Initial));
        var eu2 = config.Checks[1];
        Assert.Equal(new HttpProbeConfig(new Uri("https://192.0.2.10/health"), TlsVerify: false), eu2.Probe);
        Assert.Equal((TimeSpan.FromSeconds(5), 3, HealthState.Down), (eu2.Interval, eu2.Fall, eu2.Initial));
        Assert.Equal(new TcpProbeConfig("127.0.0.1", 5307), config.Checks[2].Probe);
        Assert.Equal(new DnsProbeConfig("127.0.0.1", 53, "example.com", RecordType.SOA), config.Checks[3].Probe);
        Assert.Equal(new DnsProbeConfig("::1", 53, "example.org", RecordType.A), config.Checks[4].Probe);
        Assert.Equal("[::1]:53 example.org A", config.Checks[4].Probe.Target);
        var db = config.Checks[5];
        Assert.Equal(new CommandProbeConfig(["/usr/local/bin/check-db", "--quick"]), db.Probe);
        Assert.Equal((TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(500)), (db.Interval, db.Timeout));
        Assert.Equal("europe", config.Groups[0].Name);
        Assert.Equal(["eu", "eu2"], config.Groups[0].Members);
        Assert.Equal(["ns1", "ns6"], config.Groups[1].Members);
        Assert.Equal(1, config.Groups[1].MinUp);
    }

    [Fact]
    public void Parse_Quorum_FromCheckElseDefaults()
    {
        var result = HealthConfigParser.Parse("defaults: { quorum: all }\nchecks:\n  eu: { tcp: 192.0.2.1:80, quorum: one }\n  na: { tcp: 192.0.2.2:80 }\n  ap: { tcp: 192.0.2.3:80, quorum: 2 }\n", "health.yaml");

        var checks = result.Config!.Checks.ToDictionary(c => c.Name);
        Assert.Equal("one", checks["eu"].Quorum.ToString());
        Assert.Equal("all", checks["na"].Quorum.ToString());
        Assert.Equal(new HealthQuorum(HealthQuorumKind.Count, 2), checks["ap"].Quorum);
        Assert.Equal(HealthQuorum.Majority, HealthConfigParser.Parse("checks:\n  eu: { tcp: 192.0.2.1:80 }\n", "health.yaml").Config!.Checks[0].Quorum);

        var probers = HealthConfigParser.Parse("defaults: { probers: 2 }\nchecks:\n  eu: { tcp: 192.0.2.1:80 }\n  na: { tcp: 192.0.2.2:80, probers: all }\n", "health.yaml").Config!.Checks;
        Assert.Equal(2, probers[0].Probers);
        Assert.Equal(0, probers[1].Probers);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing yet\n")]
    [InlineData("checks:\ngroups:\n")]
    public void Parse_Empty_NoChecks(string text)
    {
        var result = HealthConfigParser.Parse(text, "health.yaml");

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.Config!.Checks);
    }

    [Fact]
    public void Parse_SameText_EqualProbes()
    {
        var a = HealthConfigParser.Parse(Example, "health.yaml", LocalBin).Config!;
        var b = HealthConfigParser.Parse(Example, "health.yaml", LocalBin).Config!;

        Assert.Equal(a.Checks, b.Checks);
    }

    [Theory]
    [InlineData("checks:\n  eu: { http: http://192.0.2.1/, intervall: 5s }\n",
        "health.yaml(2,34): error HLT012: 'intervall' is not a check setting (http, tcp, dns, command, method, host, expect, body, tls-verify, query, interval, timeout, rise, fall, initial, quorum, probers); did you mean 'interval'?")]
    [InlineData("checks:\n  eu:\n    http: http://192.0.2.1/\n    tcp: 192.0.2.1:80\n",
        "health.yaml(4,5): error HLT011: check 'eu' has 2 probes (http, tcp): give one")]
    [InlineData("checks:\n  eu: { interval: 5s }\n",
        "health.yaml(2,3): error HLT010: check 'eu' says nothing to probe: give one of http, tcp, dns, command")]
    [InlineData("checks:\n  eu:\n",
        "health.yaml(2,3): error HLT010: check 'eu' says nothing to probe: give one of http, tcp, dns, command")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80, interval: 5 }\n",
        "health.yaml(2,38): error HLT013: '5' is not a duration: write 500ms, 2s, 1m or 1m30s (at most 1 day)")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80, interval: 50ms, timeout: 10ms }\n",
        "health.yaml(2,38): error HLT013: interval 50ms is too short: at least 100ms")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80, rise: 0 }\n",
        "health.yaml(2,34): error HLT014: rise is a whole number from 1 to 100, not '0'")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80, fall: -1 }\n",
        "health.yaml(2,34): error HLT014: fall is a whole number from 1 to 100, not '-1'")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80, interval: 2s, timeout: 2s }\n",
        "health.yaml(2,51): error HLT015: check 'eu': timeout 2 s is not less than interval 2 s: a probe must end before the next one starts")]
    [InlineData("defaults: { timeout: 10s }\nchecks:\n  eu: { tcp: 192.0.2.1:80 }\n",
        "health.yaml(1,22): error HLT015: check 'eu': timeout 10 s is not less than interval 5 s: a probe must end before the next one starts")]
    [InlineData("checks:\n  eu: { http: ftp://192.0.2.1/ }\n",
        "health.yaml(2,15): error HLT016: 'ftp://192.0.2.1/' is not an http:// or https:// URL")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1 }\n",
        "health.yaml(2,14): error HLT017: '192.0.2.1' has no port: write host:port, such as 192.0.2.1:80")]
    [InlineData("checks:\n  eu: { tcp: \"192.0.2.1:99999\" }\n",
        "health.yaml(2,14): error HLT017: '99999' is not a port (1-65535)")]
    [InlineData("checks:\n  eu: { tcp: \"2001:db8::1:53\" }\n",
        "health.yaml(2,14): error HLT017: '2001:db8::1:53': write an IPv6 address in brackets, such as [2001:db8::1]:53")]
    [InlineData("checks:\n  ns: { dns: 192.0.2.53 }\n",
        "health.yaml(2,9): error HLT018: a dns check needs the query to send: query: NAME [TYPE], such as query: example.com SOA")]
    [InlineData("checks:\n  ns: { dns: 192.0.2.53, query: example.com BOGUS }\n",
        "health.yaml(2,33): error HLT018: 'BOGUS' is not a record type to ask for, such as A, AAAA, SOA, NS")]
    [InlineData("checks:\n  db: { command: check-db --quick }\n",
        "health.yaml(2,18): error HLT019: 'check-db --quick' has spaces: write it as a list, program first, without a shell: command: [ /usr/local/bin/check-db, --quick ]")]
    [InlineData("checks:\n  eu: { http: http://192.0.2.1/, expect: 200-99 }\n",
        "health.yaml(2,42): error HLT020: expect is a status (200) or a range (200-399) between 100 and 599, not '200-99'")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80, initial: sideways }\n",
        "health.yaml(2,37): error HLT021: initial is up or down, not 'sideways'")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80, quorum: most }\n",
        "health.yaml(2,36): error HLT040: quorum is one, majority, all or a number of nodes from 1 to 1000, not 'most'")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80, probers: some }\n",
        "health.yaml(2,37): error HLT041: probers is a number of nodes from 1 to 1000, or all, not 'some'")]
    [InlineData("defaults: { quorum: 0 }\n",
        "health.yaml(1,21): error HLT040: quorum is one, majority, all or a number of nodes from 1 to 1000, not '0'")]
    [InlineData("checks:\n  na: { tcp: 192.0.2.1:80, method: GET }\n",
        "health.yaml(2,28): error HLT022: 'method' is a setting of http checks, and 'na' is a tcp check")]
    [InlineData("checks:\n  eu: { http: http://192.0.2.1/, tls-verify: maybe }\n",
        "health.yaml(2,46): error HLT025: tls-verify is true or false, not 'maybe'")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80 }\n  eu: { tcp: 192.0.2.2:80 }\n",
        "health.yaml(3,3): error HLT006: 'eu' is already a check (line 2)")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80, rise: 2, rise: 3 }\n",
        "health.yaml(2,37): error HLT005: 'rise' is given twice (first at line 2)")]
    [InlineData("checks:\n  \"e u\": { tcp: 192.0.2.1:80 }\n",
        "health.yaml(2,3): error HLT007: 'e u' is not a check name: use letters, digits, '.', '_', '-' and ':' (at most 100)")]
    [InlineData("check:\n  eu: { tcp: 192.0.2.1:80 }\n",
        "health.yaml(1,1): error HLT004: 'check' is not a top-level key (defaults, checks, groups); did you mean 'checks'?")]
    [InlineData("defaults: { intervals: 5s }\n",
        "health.yaml(1,13): error HLT028: 'intervals' is not a default setting (interval, timeout, rise, fall, initial, quorum, probers); did you mean 'interval'?")]
    [InlineData("checks: [eu, na]\n",
        "health.yaml(1,9): error HLT003: 'checks' is a list; write a mapping of check names to settings, such as eu: { http: http://192.0.2.1/health }")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80 }\ngroups:\n  europe: { members: [eu, eu3] }\n",
        "health.yaml(4,27): error HLT030: group 'europe': 'eu3' is not a check; did you mean 'eu'?")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80 }\ngroups:\n  eu: [eu]\n",
        "health.yaml(4,3): error HLT006: 'eu' is already the name of a check (line 2): a group needs a name of its own")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80 }\ngroups:\n  europe: { members: [eu], min-up: 2 }\n",
        "health.yaml(4,36): error HLT033: group 'europe': min-up 2 is more than its 1 members, so it could never be up")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80 }\ngroups:\n  europe: { members: [eu, eu] }\n",
        "health.yaml(4,27): error HLT032: group 'europe' lists 'eu' twice")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80 }\ngroups:\n  europe: { min-up: 1 }\n",
        "health.yaml(4,3): error HLT034: group 'europe' needs members: [check, ...]")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80 }\ngroups:\n  europe: { members: [eu], minup: 1 }\n",
        "health.yaml(4,28): error HLT031: 'minup' is not a group setting (members, min-up); did you mean 'min-up'?")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80\n",
        "health.yaml(3,1): error HLT001: While parsing a flow mapping, did not find expected ',' or '}'")]
    [InlineData("checks:\n\teu: { tcp: 192.0.2.1:80 }\n",
        "health.yaml(2,1): error HLT001: a tab indents this line: YAML indents with spaces only")]
    [InlineData("checks:\n  eu: { tcp: 192.0.2.1:80 }\n---\nchecks:\n",
        "health.yaml(3,1): error HLT001: the file holds one document: remove this second one")]
    [InlineData("checks:\n  eu: *nope\n",
        "health.yaml(2,7): error HLT001: the alias '*nope' names no anchor above it")]
    public void Parse_Error_LocatedMessage(string text, string expected)
    {
        var result = HealthConfigParser.Parse(text, "health.yaml");

        Assert.Null(result.Config);
        Assert.Contains(expected, result.Diagnostics.Select(d => d.ToString()));
    }

    /// <summary>
    /// Issue 14, finding 10: health.yaml (data many people may write) cannot run what the operator's configuration
    /// does not allow: off by default, absolute paths only (no PATH or working-directory lookup), real paths
    /// (links followed) in the allowed folders. Each is an error at the program's place, so the file is not applied.
    /// </summary>
    [Theory]
    [InlineData("off", "checks:\n  db: { command: [/bin/sh, -c, id] }\n",
        "health.yaml(2,19): error HLT036: command checks are off: the server's configuration turns them on (Health:Commands:Enabled) and lists the folders whose programs may run (Health:Commands:Directories)")]
    [InlineData("allowed", "checks:\n  db: { command: check.sh }\n",
        "health.yaml(2,18): error HLT037: 'check.sh' is not an absolute path: name the program by its full path, such as /usr/local/lib/scriptable/check-db (no search of PATH or of the working directory)")]
    [InlineData("allowed", "checks:\n  db: { command: [./check.sh] }\n",
        "health.yaml(2,19): error HLT037: './check.sh' is not an absolute path")]
    [InlineData("allowed", "checks:\n  db: { command: [{folder}/../../bin/sh] }\n",
        "error HLT037: ")]
    [InlineData("allowed", "checks:\n  db: { command: [/usr/bin/id] }\n",
        "health.yaml(2,19): error HLT038: '/usr/bin/id' may not run: it is not a program in the folders the server's configuration allows ({folder})")]
    [InlineData("allowed", "checks:\n  db: { command: [{folder}/sh] }\n",
        "health.yaml(2,19): error HLT038: '{folder}/sh' may not run: it is not a program in the folders the server's configuration allows ({folder})")]
    [InlineData("none", "checks:\n  db: { command: [/usr/bin/id] }\n",
        "health.yaml(2,19): error HLT038: '/usr/bin/id' may not run: the server's configuration lists no folder of programs for command checks (Health:Commands:Directories)")]
    public void Parse_CommandNotAllowed_Error(string policy, string text, string expected)
    {
        using var folder = new TempFolder();
        File.CreateSymbolicLink(Path.Combine(folder.Path, "sh"), "/bin/sh");
        var commands = policy switch
        {
            "off" => null,
            "none" => new CommandCheckPolicy { Enabled = true },
            _ => new CommandCheckPolicy { Enabled = true, Directories = [folder.Path] },
        };

        var result = HealthConfigParser.Parse(text.Replace("{folder}", folder.Path, StringComparison.Ordinal), "health.yaml", commands);

        Assert.Null(result.Config);
        Assert.Contains(result.Diagnostics, d => d.ToString().Contains(expected.Replace("{folder}", folder.Path, StringComparison.Ordinal), StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_CommandInAllowedFolder_Accepted()
    {
        var result = HealthConfigParser.Parse("checks:\n  db: { command: [/bin/sh, -c, 'exit 0'] }\n", "health.yaml", new CommandCheckPolicy { Enabled = true, Directories = ["/usr/bin"] });

        Assert.Empty(result.Diagnostics);
        Assert.Equal(new CommandProbeConfig(["/bin/sh", "-c", "exit 0"]), Assert.Single(result.Config!.Checks).Probe);
    }

    [Fact]
    public void Parse_ManyErrors_AllReported()
    {
        var result = HealthConfigParser.Parse("""
            checks:
              a: { tcp: 192.0.2.1 }
              b: { http: nope }
              c: { tcp: 192.0.2.1:80, fall: 0 }
            groups:
              g: [a, x]
            """, "policies/health.yaml");

        Assert.Equal(["HLT017", "HLT016", "HLT014", "HLT030"], result.Diagnostics.Select(d => d.Id));
        Assert.All(result.Diagnostics, d => Assert.StartsWith("policies/health.yaml(", d.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_IntervalBelowDefaultTimeout_TimeoutShortenedWithWarning()
    {
        var result = HealthConfigParser.Parse("defaults: { timeout: 2s }\nchecks:\n  eu: { tcp: 192.0.2.1:80, interval: 2s }\n", "health.yaml");

        Assert.Equal(TimeSpan.FromMilliseconds(1600), result.Config!.Checks[0].Timeout);
        Assert.Equal("health.yaml(3,38): warning HLT029: check 'eu': the default timeout 2 s is not less than its interval 2 s, so it uses 1.6 s; set timeout: to choose",
            Assert.Single(result.Diagnostics).ToString());
    }

    [Fact]
    public void Parse_Anchors_Shared()
    {
        var config = HealthConfigParser.Parse("checks:\n  a: &probe { tcp: 192.0.2.1:80 }\n  b: *probe\n", "health.yaml").Config!;

        Assert.Equal(config.Checks[0].Probe, config.Checks[1].Probe);
    }

    [Fact]
    public void Parse_TlsVerifyOnHttp_Warning()
    {
        var result = HealthConfigParser.Parse("checks:\n  eu: { http: http://192.0.2.1/, tls-verify: false }\n", "health.yaml");

        Assert.NotNull(result.Config);
        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal("health.yaml(2,34): warning HLT027: tls-verify applies to https:// URLs; 'http://192.0.2.1/' is http://, so it is ignored", warning.ToString());
    }

    [Fact]
    public void ParseFile_Missing_ErrorNotException()
    {
        var result = HealthConfigParser.ParseFile("/nonexistent/health.yaml", "policies/health.yaml");

        Assert.Null(result.Config);
        Assert.StartsWith("policies/health.yaml: error HLT002: cannot read the file", Assert.Single(result.Diagnostics).ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("2s", 2000)]
    [InlineData("1.5s", 1500)]
    [InlineData("1m", 60_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h", 3_600_000)]
    public void Duration_Parses(string text, int milliseconds)
    {
        Assert.True(HealthDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("5 s")]
    [InlineData("s")]
    [InlineData("5d")]
    [InlineData("25h")]
    public void Duration_Rejects(string text) => Assert.False(HealthDuration.TryParse(text, out _));

    [Theory]
    [InlineData(450, "450 ms")]
    [InlineData(2000, "2 s")]
    [InlineData(1500, "1.5 s")]
    [InlineData(42_000, "42 s")]
    [InlineData(150_000, "2 min")]
    [InlineData(7_500_000, "2 h 5 min")]
    public void Duration_Formats(int milliseconds, string expected) =>
        Assert.Equal(expected, HealthDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));
}
