using System.Net;
using ARSoft.Tools.Net.Dns;
using Scriptable.TestCommon;
using RecordType = Scriptable.Engine.Protocol.RecordType;

namespace Scriptable.Server.IntegrationTests.Dnssec;

/// <summary>
/// Signed answers as validating resolvers see them: keys made by <c>scriptable dnssec init</c> (the key folder named
/// by <c>SCRIPTABLE_Dnssec__Keys</c>), the DS from <c>scriptable dnssec ds</c> as unbound's trust anchor, unbound asking
/// our server through stub zones, delv asking unbound. Every answer must come back with AD: static data, policy
/// answers (geo-failover's www, a CNAME to a policy name), a wildcard, NODATA, NXDOMAIN (compact denial), DNSKEY, and
/// the DS of a delegation or the proof that it has none. Names below the delegations are never resolved: their
/// servers do not exist.
/// </summary>
public sealed class DnssecValidationTests(DnssecValidationTests.Fixture fixture) : IClassFixture<DnssecValidationTests.Fixture>
{
    /// <summary>example.org: static data, a CNAME to the policy <c>pol</c>, a wildcard, a cut with DS and one without.</summary>
    internal const string ExampleOrg = """
        $ORIGIN example.org.
        $TTL 3600
        @        IN SOA ns1 hostmaster (2024010101 3600 600 604800 300)
                 IN NS  ns1
                 IN MX  10 mail
                 IN TXT "v=spf1 -all"
        ns1      IN A    192.0.2.53
        mail     IN A    192.0.2.25
        www  300 IN A    192.0.2.1
        www  300 IN A    192.0.2.2
        topol    IN CNAME pol
        *.wild   IN A    192.0.2.100
        sub      IN NS   ns.sub
        ns.sub   IN A    127.0.0.254
        secure   IN NS   ns.secure
        secure   IN DS   12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
        ns.secure IN A   127.0.0.253
        """;

    /// <summary>Our server with two signed zones (one CSK, one KSK + ZSK), and unbound trusting their DS.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private string _root = "";

        public TestServer Server { get; private set; } = null!;

        public UnboundResolver Unbound { get; private set; } = null!;

        public string Anchors { get; private set; } = "";

        public string DsOutput { get; private set; } = "";

        public async Task InitializeAsync()
        {
            if (ExternalTool.Find("unbound") is null)
            {
                return;
            }

            _root = Directory.CreateTempSubdirectory("scriptable-dnssec-").FullName;
            var policies = Path.Combine(_root, "policies");
            FolderCopy.Tree(RepositoryPaths.Combine("examples", "geo-failover"), policies, path => path.EndsWith("README.md", StringComparison.Ordinal));
            await WriteExampleOrgAsync(policies);

            var keys = Path.Combine(_root, "keys");
            var environment = new Dictionary<string, string> { ["SCRIPTABLE_Dnssec__Keys"] = keys };
            var anchors = new List<string>();
            foreach (var (zone, split) in new[] { ("example.org", false), ("example.com", true) })
            {
                string[] init = split ? ["dnssec", "init", zone, "--split"] : ["dnssec", "init", zone];
                Assert.Equal(0, (await Run(environment, init)).Exit);
                var ds = await Run(environment, "dnssec", "ds", zone);
                Assert.Equal(0, ds.Exit);
                DsOutput += ds.Output;
                anchors.AddRange(DsLines(ds.Output));
            }

            Server = await TestServer.StartInFolderAsync(policies, options => options.Dnssec.Keys = keys);
            Unbound = await UnboundResolver.StartAsync([Server.Udp], ["example.org", "example.com"], anchors);
            Anchors = Path.Combine(_root, "anchors.conf");
            await File.WriteAllLinesAsync(Anchors, anchors.Select(line =>
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return $"trust-anchors {{ {f[0]} static-ds {f[4]} {f[5]} {f[6]} \"{f[7]}\"; }};";
            }));
        }

        /// <summary>Runs the <c>scriptable</c> program to its end (a minute at most).</summary>
        internal static async Task<(int Exit, string Output)> Run(Dictionary<string, string> environment, params string[] args)
        {
            await using var process = ServerProcess.Start(Path.GetTempPath(), environment, args);
            Assert.True(await process.WaitForExitAsync(60000), "scriptable " + string.Join(' ', args) + " did not exit\n" + process.Output);
            return (process.ExitCode, process.Output.ReplaceLineEndings("\n"));
        }

        public async Task DisposeAsync()
        {
            if (Unbound is not null)
            {
                await Unbound.DisposeAsync();
            }

            if (Server is not null)
            {
                await Server.DisposeAsync();
            }

            if (_root.Length > 0)
            {
                Directory.Delete(_root, recursive: true);
            }
        }
    }

    /// <summary>Writes the example.org zone folder (<see cref="ExampleOrg"/> and its policy <c>pol</c>) into <paramref name="policies"/>.</summary>
    internal static async Task WriteExampleOrgAsync(string policies)
    {
        Directory.CreateDirectory(Path.Combine(policies, "example.org"));
        await File.WriteAllTextAsync(Path.Combine(policies, "example.org", "example.org.zone"), ExampleOrg.Replace("\n        ", "\n", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(policies, "example.org", "pol.csx"), "return Answer.Address(\"192.0.2.77\").WithTtl(60);\n");
    }

    /// <summary>The DS records (zone-file lines) of <c>scriptable dnssec ds</c>'s output.</summary>
    internal static IEnumerable<string> DsLines(string dsOutput) =>
        dsOutput.Split('\n').Where(line => line.Contains(" IN DS ", StringComparison.Ordinal));

    private Task<DnsMessage> Resolve(string name, ushort type) => fixture.Unbound.ResolveSecureAsync(name, type);

    [ToolFact("unbound", "unbound")]
    public async Task Validate_StaticData_Authenticated()
    {
        var a = await Resolve("www.example.org", RecordType.A);
        Assert.Equal(["192.0.2.1", "192.0.2.2"], a.AnswerRecords.OfType<ARecord>().Select(r => r.Address.ToString()).Order());
        Assert.Single((await Resolve("example.org", RecordType.MX)).AnswerRecords.OfType<MxRecord>());
        Assert.Single((await Resolve("example.org", RecordType.TXT)).AnswerRecords.OfType<TxtRecord>());
        Assert.Single((await Resolve("example.com", RecordType.MX)).AnswerRecords.OfType<MxRecord>());
    }

    [ToolFact("unbound", "unbound")]
    public async Task Validate_PolicyAnswers_Authenticated()
    {
        // geo-failover's www: no geo database here, so the "elsewhere" answer, chosen per query and signed as it goes.
        var a = await Resolve("www.example.com", RecordType.A);
        Assert.Equal("203.0.113.30", Assert.Single(a.AnswerRecords.OfType<ARecord>()).Address.ToString());
        var aaaa = await Resolve("www.example.com", RecordType.AAAA);
        Assert.Single(aaaa.AnswerRecords.OfType<AaaaRecord>());
        var chain = await Resolve("topol.example.org", RecordType.A);
        Assert.Equal("pol.example.org.", Assert.Single(chain.AnswerRecords.OfType<CNameRecord>()).CanonicalName.ToString());
        Assert.Equal("192.0.2.77", Assert.Single(chain.AnswerRecords.OfType<ARecord>()).Address.ToString());
        var nodata = await Resolve("pol.example.org", RecordType.TXT);
        Assert.Equal(ReturnCode.NoError, nodata.ReturnCode);
        Assert.Empty(nodata.AnswerRecords);
    }

    [ToolFact("unbound", "unbound")]
    public async Task Validate_WildcardAndDenials_Authenticated()
    {
        var wild = await Resolve("anything.wild.example.org", RecordType.A);
        Assert.Equal("192.0.2.100", Assert.Single(wild.AnswerRecords.OfType<ARecord>()).Address.ToString());

        var nodata = await Resolve("www.example.org", RecordType.TXT);
        Assert.Equal(ReturnCode.NoError, nodata.ReturnCode);
        Assert.Empty(nodata.AnswerRecords);

        // Compact denial: the name that does not exist is a NODATA with NXNAME in the NSEC (RFC 9824).
        var missing = await Resolve("nothing.example.org", RecordType.A);
        Assert.Empty(missing.AnswerRecords);
        var missingPolicyZone = await Resolve("nothing.example.com", RecordType.AAAA);
        Assert.Empty(missingPolicyZone.AnswerRecords);
    }

    [ToolFact("unbound", "unbound")]
    public async Task Validate_KeysAndDelegations_Authenticated()
    {
        Assert.Single((await Resolve("example.org", RecordType.DNSKEY)).AnswerRecords.OfType<DnsKeyRecord>());
        Assert.Equal(2, (await Resolve("example.com", RecordType.DNSKEY)).AnswerRecords.OfType<DnsKeyRecord>().Count());
        Assert.Single((await Resolve("example.org", RecordType.CDS)).AnswerRecords, r => (int)r.RecordType == RecordType.CDS);

        var ds = await Resolve("secure.example.org", RecordType.DS);
        Assert.Equal(12345, Assert.Single(ds.AnswerRecords.OfType<DsRecord>()).KeyTag);
        var noDs = await Resolve("sub.example.org", RecordType.DS);
        Assert.Empty(noDs.AnswerRecords);
    }

    [ToolFact("unbound", "unbound")]
    public async Task Referral_CarriesDsOrItsAbsenceSigned()
    {
        var secure = Responses.Parse((await DnsWire.UdpAsync(fixture.Server.Udp, RawQuery.Build("www.secure.example.org", RecordType.A, edns: new Edns(DnssecOk: true))))!);
        Assert.Equal(["NS", "DS", "RRSIG"], secure.AuthorityRecords.Select(r => r.RecordType.ToString().ToUpperInvariant()).Distinct());
        var insecure = Responses.Parse((await DnsWire.UdpAsync(fixture.Server.Udp, RawQuery.Build("www.sub.example.org", RecordType.A, edns: new Edns(DnssecOk: true))))!);
        Assert.Equal(["NS", "NSEC", "RRSIG"], insecure.AuthorityRecords.Select(r => r.RecordType.ToString().ToUpperInvariant()).Distinct());
        Assert.Equal("NSEC", Assert.Single(insecure.AuthorityRecords.OfType<RrSigRecord>()).TypeCovered.ToString().ToUpperInvariant());
    }

    [ToolFact("unbound", "unbound", "delv", "bind9-dnsutils")]
    public async Task Delv_Agrees()
    {
        foreach (var (name, type, zone) in new[] { ("www.example.org", "A", "example.org"), ("www.example.com", "A", "example.com"), ("nothing.example.org", "A", "example.org"), ("example.com", "DNSKEY", "example.com") })
        {
            var (_, output, error) = await ExternalTool.RunAsync("delv",
                ["@" + fixture.Unbound.EndPoint.Address, "-p", fixture.Unbound.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-a", fixture.Anchors, "+root=" + zone, name, type]);
            Assert.Contains("fully validated", output + error, StringComparison.Ordinal);
            Assert.DoesNotContain("resolution failed: SERVFAIL", output + error, StringComparison.Ordinal);
        }
    }
}
