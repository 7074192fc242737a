using ARSoft.Tools.Net.Dns;
using Scriptable.TestCommon;
using RecordType = Scriptable.Engine.Protocol.RecordType;

namespace Scriptable.Server.IntegrationTests;

/// <summary>Same zone file, same queries: our answers must match knotd's, section by section.</summary>
public sealed class KnotComparisonTests(KnotComparisonTests.Servers servers) : IClassFixture<KnotComparisonTests.Servers>
{
    /// <summary>One of our servers and one knotd for the whole class: both only read their zone.</summary>
    public sealed class Servers : IAsyncLifetime
    {
        public TestServer Ours { get; private set; } = null!;

        public KnotServer Knot { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Ours = await TestServer.StartExampleAsync();
            Knot = await KnotServer.StartAsync("example.org", TestZones.ExampleOrg.Replace("\n        ", "\n", StringComparison.Ordinal));
        }

        public async Task DisposeAsync()
        {
            await Ours.DisposeAsync();
            await Knot.DisposeAsync();
        }
    }

    public static TheoryData<string, ushort, bool, bool> Cases()
    {
        var data = new TheoryData<string, ushort, bool, bool>();
        (string, ushort)[] questions =
        [
            ("www.example.org", RecordType.A), ("WwW.ExAmPlE.oRg", RecordType.A), ("www.example.org", RecordType.AAAA),
            ("www.example.org", RecordType.MX), ("nothing.example.org", RecordType.A), ("example.org", RecordType.SOA),
            ("example.org", RecordType.NS), ("example.org", RecordType.MX), ("example.org", RecordType.TXT),
            ("example.org", RecordType.CAA), ("example.org", RecordType.ANY), ("www.example.org", RecordType.ANY),
            ("alias.example.org", RecordType.A), ("alias.example.org", RecordType.CNAME), ("chain1.example.org", RecordType.A),
            ("chain1.example.org", RecordType.AAAA), ("dangling.example.org", RecordType.A), ("outside.example.org", RecordType.A),
            ("loop1.example.org", RecordType.A), ("tosub.example.org", RecordType.A), ("foo.wild.example.org", RecordType.A), ("a.b.wild.example.org", RecordType.TXT),
            ("foo.wild.example.org", RecordType.MX), ("host.wild.example.org", RecordType.A), ("host.wild.example.org", RecordType.TXT),
            ("*.wild.example.org", RecordType.A), ("b.ent.example.org", RecordType.A), ("ent.example.org", RecordType.A),
            ("c.ent.example.org", RecordType.A), ("_sip._udp.example.org", RecordType.SRV), ("sub.example.org", RecordType.NS),
            ("www.sub.example.org", RecordType.A), ("ns.sub.example.org", RecordType.A), ("sub.example.org", RecordType.DS),
            ("big.example.org", RecordType.TXT), ("mail.example.org", RecordType.A), ("ns1.example.org", RecordType.AAAA),
            ("x.dn.example.org", RecordType.A), ("deep.x.dn.example.org", RecordType.A), ("dn.example.org", RecordType.DNAME),
            ("dn.example.org", RecordType.A), ("foo.inzone.example.org", RecordType.A), ("svc.example.org", RecordType.HTTPS),
            ("_8443._https.svc.example.org", RecordType.SVCB), ("alias-svc.example.org", RecordType.HTTPS),
        ];
        foreach (var (name, type) in questions)
        {
            data.Add(name, type, false, false);
            data.Add(name, type, true, false);
            data.Add(name, type, false, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Answer_SameAsKnot(string name, ushort type, bool edns, bool tcp)
    {
        var query = RawQuery.Build(name, type, edns: edns ? new Edns(1232) : null);
        byte[] ours, theirs;
        if (tcp)
        {
            ours = await servers.Ours.TcpAsync(query);
            theirs = await DnsWire.TcpAsync(servers.Knot.EndPoint, query);
        }
        else
        {
            ours = (await servers.Ours.UdpAsync(query))!;
            theirs = (await DnsWire.UdpAsync(servers.Knot.EndPoint, query))!;
        }

        Assert.Equal(Describe(Responses.Parse(theirs)), Describe(Responses.Parse(ours)));
    }

    [Theory]
    [InlineData("www.example.org", "192.0.2.0/24")]
    [InlineData("nothing.example.org", "2001:db8::/56")]
    [InlineData("www.example.org", "0.0.0.0/0")]
    public async Task ClientSubnet_SameAsKnot(string name, string subnet)
    {
        var query = RawQuery.Build(name, RecordType.A, edns: new Edns(1232, Options: [RawQuery.Ecs(subnet)]));
        var ours = Responses.Parse((await servers.Ours.UdpAsync(query))!);
        var theirs = Responses.Parse((await DnsWire.UdpAsync(servers.Knot.EndPoint, query))!);
        Assert.Equal(Describe(theirs), Describe(ours));
        Assert.Equal(Responses.Ecs(theirs)?.ToString(), Responses.Ecs(ours)?.ToString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Opcode_SameAsKnot(int opcode)
    {
        var query = RawQuery.Build("www.example.org", RecordType.A, opcode: opcode);
        var ours = (await servers.Ours.UdpAsync(query))!;
        var theirs = (await DnsWire.UdpAsync(servers.Knot.EndPoint, query))!;
        Assert.Equal(Responses.HeaderRcode(theirs), Responses.HeaderRcode(ours));
    }

    /// <summary>
    /// Opcodes neither server implements (NOTIFY and UPDATE are knotd's own: it answers them NOTAUTH or FORMERR, we
    /// NOTIMP), with and without a question, RD and CD set: the same rcode, every header flag (RD kept, CD cleared)
    /// and the same section counts.
    /// </summary>
    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(6, true)]
    [InlineData(15, true)]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(15, false)]
    public async Task Opcode_HeaderSameAsKnot(int opcode, bool question)
    {
        var query = RawQuery.Build("www.example.org", RecordType.A, opcode: opcode, recursionDesired: true, checkingDisabled: true);
        if (!question)
        {
            query = RawQuery.WithCounts(query[..12], 0, 0, 0, 0);
        }

        var ours = (await servers.Ours.UdpAsync(query))!;
        var theirs = (await DnsWire.UdpAsync(servers.Knot.EndPoint, query))!;

        Assert.Equal(Convert.ToHexString(theirs.AsSpan(2, 10)), Convert.ToHexString(ours.AsSpan(2, 10)));
    }

    /// <summary>Rcode, the flags that matter, and every section as sorted record text.</summary>
    private static string Describe(DnsMessage message)
    {
        static string Section(IEnumerable<DnsRecordBase> records) =>
            string.Join("\n  ", records.Where(r => r is not OptRecord).Select(r => r.ToString().ToLowerInvariant()).Order(StringComparer.Ordinal));

        return $"""
            rcode={message.ReturnCode} aa={message.IsAuthoritiveAnswer} tc={message.IsTruncated} ra={message.IsRecursionAllowed} edns={message.IsEDnsEnabled} payload={message.EDnsOptions?.UdpPayloadSize}
            answer:
              {Section(message.AnswerRecords)}
            authority:
              {Section(message.AuthorityRecords)}
            additional:
              {Section(message.AdditionalRecords)}
            """;
    }
}
