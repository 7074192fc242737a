using ARSoft.Tools.Net.Dns;
using Scriptable.Engine.Pipeline;
using Scriptable.TestCommon;
using RecordType = Scriptable.Engine.Protocol.RecordType;

namespace Scriptable.Engine.Tests.Pipeline;

/// <summary>Authoritative answers from static zone data, through the whole pipeline.</summary>
public class AnswerStageTests
{
    private readonly PipelineHarness _harness = PipelineHarness.Example();

    private DnsMessage Ask(string name, ushort type, DnsTransport transport = DnsTransport.Udp, Edns? edns = null)
    {
        var response = _harness.Run(RawQuery.Build(name, type, edns: edns), transport);
        Assert.NotNull(response);
        return Responses.Parse(response);
    }

    [Fact]
    public void Answer_PositiveA_AuthoritativeWithBothRecords()
    {
        var message = Ask("www.example.org", RecordType.A);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        Assert.True(message.IsAuthoritiveAnswer);
        Assert.False(message.IsRecursionAllowed);
        var addresses = message.AnswerRecords.OfType<ARecord>().Select(r => r.Address.ToString()).Order().ToList();
        Assert.Equal(["192.0.2.1", "192.0.2.2"], addresses);
        Assert.All(message.AnswerRecords, r => Assert.Equal(300, r.TimeToLive));
        Assert.Empty(message.AuthorityRecords);
    }

    [Fact]
    public void Answer_MixedCaseQuestion_EchoesClientCase()
    {
        var response = _harness.Run(RawQuery.Build("WwW.eXaMpLe.OrG", RecordType.A))!;
        var message = Responses.Parse(response);
        Assert.Equal("WwW.eXaMpLe.OrG.", message.Questions[0].Name.ToString());
        Assert.Equal("WwW.eXaMpLe.OrG.", message.AnswerRecords[0].Name.ToString());
    }

    [Fact]
    public void Answer_MissingName_NxDomainWithSoaAtNegativeTtl()
    {
        var message = Ask("nothing.example.org", RecordType.A);
        Assert.Equal(ReturnCode.NxDomain, message.ReturnCode);
        Assert.True(message.IsAuthoritiveAnswer);
        Assert.Empty(message.AnswerRecords);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(message.AuthorityRecords));
        Assert.Equal("example.org.", soa.Name.ToString());
        Assert.Equal(300, soa.TimeToLive);
        Assert.Equal(2024010101u, soa.SerialNumber);
    }

    [Fact]
    public void Answer_MissingType_NoDataWithSoa()
    {
        var message = Ask("www.example.org", RecordType.MX);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        Assert.Empty(message.AnswerRecords);
        Assert.IsType<SoaRecord>(Assert.Single(message.AuthorityRecords));
    }

    [Fact]
    public void Answer_NameOutsideOurZones_RefusedWithoutAuthority()
    {
        var message = Ask("www.example.net", RecordType.A);
        Assert.Equal(ReturnCode.Refused, message.ReturnCode);
        Assert.False(message.IsAuthoritiveAnswer);
        Assert.False(message.IsRecursionAllowed);
        Assert.Empty(message.AnswerRecords);
        Assert.Empty(message.AuthorityRecords);
    }

    [Fact]
    public void Answer_CnameChain_FollowedToTheAddresses()
    {
        var message = Ask("chain1.example.org", RecordType.A);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        var lines = message.AnswerRecords.Select(r => $"{r.Name} {r.RecordType}").ToList();
        Assert.Equal(["chain1.example.org. CName", "chain2.example.org. CName", "www.example.org. A", "www.example.org. A"], lines);
    }

    [Fact]
    public void Answer_CnameToMissingName_NxDomainKeepsTheCname()
    {
        var message = Ask("dangling.example.org", RecordType.A);
        Assert.Equal(ReturnCode.NxDomain, message.ReturnCode);
        Assert.IsType<CNameRecord>(Assert.Single(message.AnswerRecords));
        Assert.IsType<SoaRecord>(Assert.Single(message.AuthorityRecords));
    }

    [Fact]
    public void Answer_CnameOutOfZone_OnlyTheCname()
    {
        var message = Ask("outside.example.org", RecordType.A);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        var cname = Assert.IsType<CNameRecord>(Assert.Single(message.AnswerRecords));
        Assert.Equal("www.example.net.", cname.CanonicalName.ToString());
        Assert.Empty(message.AuthorityRecords);
    }

    [Fact]
    public void Answer_CnameLoop_StopsWhenANameRepeats()
    {
        var message = Ask("loop1.example.org", RecordType.A);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        var lines = message.AnswerRecords.Select(r => $"{r.Name} {((CNameRecord)r).CanonicalName}").ToList();
        Assert.Equal(["loop1.example.org. loop2.example.org.", "loop2.example.org. loop1.example.org."], lines);
    }

    [Fact]
    public void Answer_CnameQuestion_ReturnsTheAliasOnly()
    {
        var message = Ask("alias.example.org", RecordType.CNAME);
        Assert.IsType<CNameRecord>(Assert.Single(message.AnswerRecords));
    }

    [Theory]
    [InlineData("foo.wild.example.org")]
    [InlineData("x.y.wild.example.org")]
    public void Answer_NameCoveredByWildcard_SynthesisedWithTheQuestionAsOwner(string name)
    {
        var message = Ask(name, RecordType.A);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        var a = Assert.IsType<ARecord>(Assert.Single(message.AnswerRecords));
        Assert.Equal(name + ".", a.Name.ToString());
        Assert.Equal("192.0.2.100", a.Address.ToString());
    }

    [Fact]
    public void Answer_ExistingNameBesideWildcard_WildcardDoesNotApply()
    {
        var a = Ask("host.wild.example.org", RecordType.A);
        Assert.Equal("192.0.2.101", Assert.IsType<ARecord>(Assert.Single(a.AnswerRecords)).Address.ToString());
        var txt = Ask("host.wild.example.org", RecordType.TXT);
        Assert.Equal(ReturnCode.NoError, txt.ReturnCode);
        Assert.Empty(txt.AnswerRecords);
    }

    [Fact]
    public void Answer_WildcardWithoutTheType_NoData()
    {
        var message = Ask("foo.wild.example.org", RecordType.MX);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        Assert.Empty(message.AnswerRecords);
        Assert.IsType<SoaRecord>(Assert.Single(message.AuthorityRecords));
    }

    [Fact]
    public void Answer_EmptyNonTerminal_NoDataNotNxDomain()
    {
        Assert.Equal(ReturnCode.NoError, Ask("b.ent.example.org", RecordType.A).ReturnCode);
        Assert.Equal(ReturnCode.NoError, Ask("ent.example.org", RecordType.A).ReturnCode);
        Assert.Equal(ReturnCode.NxDomain, Ask("c.ent.example.org", RecordType.A).ReturnCode);
    }

    [Theory]
    [InlineData("www.sub.example.org", RecordType.A)]
    [InlineData("sub.example.org", RecordType.NS)]
    [InlineData("sub.example.org", RecordType.A)]
    [InlineData("ns.sub.example.org", RecordType.A)]
    [InlineData("deep.below.sub.example.org", RecordType.MX)]
    public void Answer_AtOrBelowZoneCut_ReferralWithGlue(string name, ushort type)
    {
        var message = Ask(name, type);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        Assert.False(message.IsAuthoritiveAnswer);
        Assert.Empty(message.AnswerRecords);
        var ns = message.AuthorityRecords.OfType<NsRecord>().Select(r => r.NameServer.ToString()).Order().ToList();
        Assert.Equal(["ns.example.net.", "ns.sub.example.org."], ns);
        Assert.All(message.AuthorityRecords, r => Assert.Equal("sub.example.org.", r.Name.ToString()));
        var glue = Assert.IsType<ARecord>(Assert.Single(message.AdditionalRecords));
        Assert.Equal("ns.sub.example.org.", glue.Name.ToString());
    }

    [Fact]
    public void Answer_DsAtZoneCut_AnsweredByTheParentSide()
    {
        var message = Ask("sub.example.org", RecordType.DS);
        Assert.True(message.IsAuthoritiveAnswer);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        Assert.Empty(message.AnswerRecords);
        Assert.IsType<SoaRecord>(Assert.Single(message.AuthorityRecords));
    }

    [Fact]
    public void Answer_Mx_AddsInZoneExchangeAddresses()
    {
        var message = Ask("example.org", RecordType.MX);
        Assert.IsType<MxRecord>(Assert.Single(message.AnswerRecords));
        var a = Assert.IsType<ARecord>(Assert.Single(message.AdditionalRecords));
        Assert.Equal("mail.example.org.", a.Name.ToString());
    }

    [Fact]
    public void Answer_ApexNs_AddsInZoneServerAddresses()
    {
        var message = Ask("example.org", RecordType.NS);
        Assert.Equal(2, message.AnswerRecords.Count);
        Assert.Equal(["A", "Aaaa"], message.AdditionalRecords.Select(r => r.RecordType.ToString()).Order().ToList());
    }

    [Fact]
    public void Answer_Srv_AddsTargetAddress()
    {
        var message = Ask("_sip._udp.example.org", RecordType.SRV);
        var srv = Assert.IsType<SrvRecord>(Assert.Single(message.AnswerRecords));
        Assert.Equal("sip.example.org.", srv.Target.ToString());
        Assert.Equal("sip.example.org.", Assert.Single(message.AdditionalRecords).Name.ToString());
    }

    [Theory]
    [InlineData(DnsTransport.Udp)]
    [InlineData(DnsTransport.Tcp)]
    public void Answer_Any_MinimalFirstRRsetWithItsAdditionals(DnsTransport transport)
    {
        // RFC 8482 section 4.1, as Knot answers: the node's first RRset by type number (NS at this apex).
        var message = Ask("example.org", RecordType.ANY, transport);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        Assert.Equal(2, message.AnswerRecords.Count);
        Assert.All(message.AnswerRecords, r => Assert.IsType<NsRecord>(r));
        Assert.Equal(2, message.AdditionalRecords.Count);
    }

    [Fact]
    public void Answer_AnyAtEmptyNonTerminal_NoData()
    {
        var message = Ask("ent.example.org", RecordType.ANY);
        Assert.Empty(message.AnswerRecords);
        Assert.IsType<SoaRecord>(Assert.Single(message.AuthorityRecords));
    }

    [Fact]
    public void Answer_Caa_Served()
    {
        var message = Ask("example.org", RecordType.CAA);
        var caa = Assert.IsType<CAARecord>(Assert.Single(message.AnswerRecords));
        Assert.Equal("issue", caa.Tag);
        Assert.Equal("letsencrypt.org", caa.Value);
    }

    [Fact]
    public void Dname_NameBelowIt_DnameThenSynthesisedCnameThenTheTarget()
    {
        // inzone DNAME wild: foo.inzone -> foo.wild, which the wildcard *.wild answers.
        var message = Ask("foo.inzone.example.org", RecordType.A);

        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        Assert.Collection(
            message.AnswerRecords,
            r => Assert.Equal("inzone.example.org. 3600 IN DNAME wild.example.org.", r.ToString()),
            r => Assert.Equal("foo.inzone.example.org. 3600 IN CNAME foo.wild.example.org.", r.ToString()),
            r => Assert.Equal("foo.wild.example.org. 3600 IN A 192.0.2.100", r.ToString()));
    }

    [Fact]
    public void Dname_SubstitutionLongerThan255Octets_YxDomainWithTheDname()
    {
        var target = string.Join('.', Enumerable.Repeat(new string('t', 60), 3)) + ".example.net.";
        var zone = TestZones.Build("example.org", "$TTL 60\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.53\nd DNAME " + target + "\n");
        var harness = new PipelineHarness(null, zone);
        var name = string.Join('.', Enumerable.Repeat(new string('q', 60), 2)) + ".d.example.org";

        var message = Responses.Parse(harness.Run(RawQuery.Build(name, RecordType.A))!);

        Assert.Equal(ReturnCode.YXDomain, message.ReturnCode);
        Assert.Equal(RecordType.DNAME, (ushort)Assert.Single(message.AnswerRecords).RecordType);
    }
}
