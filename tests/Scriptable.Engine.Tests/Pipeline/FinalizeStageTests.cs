using ARSoft.Tools.Net.Dns;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Pipeline;
using Scriptable.TestCommon;
using RecordType = Scriptable.Engine.Protocol.RecordType;

namespace Scriptable.Engine.Tests.Pipeline;

/// <summary>Encoding: EDNS, ECS echo, truncation, compression.</summary>
public class FinalizeStageTests
{
    private readonly PipelineHarness _harness = PipelineHarness.Example();

    [Fact]
    public void Finalize_EdnsQuery_EchoesOptWithOurBufferAndDo()
    {
        var response = _harness.Run(RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(4096, DnssecOk: true)))!;
        var message = Responses.Parse(response);
        Assert.True(message.IsEDnsEnabled);
        Assert.Equal(1232, message.EDnsOptions!.UdpPayloadSize);
        Assert.Equal(0, message.EDnsOptions.Version);
        Assert.True(message.IsDnsSecOk);
    }

    [Fact]
    public void Finalize_UnknownEdnsFlags_NotEchoed()
    {
        var response = _harness.Run(RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(ExtraFlags: 0x7FFF)))!;
        var opt = Responses.Parse(response).AdditionalRecords.OfType<OptRecord>().Single();
        Assert.False(opt.IsDnsSecOk);
        Assert.Equal(0, (int)(BitConverter.ToUInt32(BitConverter.GetBytes(opt.TimeToLive)) & 0x7FFF));
    }

    [Fact]
    public void Finalize_NoEdns_NoOpt()
    {
        var message = Responses.Parse(_harness.Run(RawQuery.Build("www.example.org", RecordType.A))!);
        Assert.False(message.IsEDnsEnabled);
    }

    [Fact]
    public void Finalize_EdnsVersion1_BadVersWithOpt()
    {
        var response = _harness.Run(RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(Version: 1)))!;
        var message = Responses.Parse(response);
        Assert.Equal(ReturnCode.BadVersion, message.ReturnCode);
        Assert.Empty(message.AnswerRecords);
        Assert.Equal(0, message.EDnsOptions!.Version);
    }

    [Fact]
    public void Finalize_UnknownOption_IgnoredAndNotEchoed()
    {
        var response = _harness.Run(RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(Options: [(65001, [1, 2, 3])])))!;
        var message = Responses.Parse(response);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        Assert.Empty(message.EDnsOptions!.Options);
    }

    [Theory]
    [InlineData("192.0.2.0/24")]
    [InlineData("198.51.100.77/32")]
    [InlineData("2001:db8::/56")]
    [InlineData("0.0.0.0/0")]
    [InlineData("192.0.2.128/25")]
    public void Finalize_ClientSubnet_EchoedWithScopeZeroForStaticData(string subnet)
    {
        var response = _harness.Run(RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(Options: [RawQuery.Ecs(subnet)])))!;
        var message = Responses.Parse(response);
        var ecs = Responses.Ecs(message);
        Assert.NotNull(ecs);
        Assert.Equal(int.Parse(subnet[(subnet.IndexOf('/') + 1)..]), ecs.SourceNetmask);
        Assert.Equal(0, ecs.ScopeNetmask);
        Assert.Equal(2, message.AnswerRecords.Count);
    }

    [Fact]
    public void Finalize_NsidConfigured_ReturnedWhenAsked()
    {
        var harness = new PipelineHarness(new DnsConfig { Nsid = "node-1" }, TestZones.Example());
        var response = harness.Run(RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(Options: [(3, [])])))!;
        var nsid = Responses.Parse(response).EDnsOptions!.Options.OfType<NsIdOption>().Single();
        Assert.Equal("node-1", System.Text.Encoding.UTF8.GetString(nsid.Payload));
    }

    [Fact]
    public void Finalize_AnswerOver512WithoutEdns_TruncatedWithNoPartialRRset()
    {
        var response = _harness.Run(RawQuery.Build("big.example.org", RecordType.TXT))!;
        Assert.True(response.Length <= 512);
        var message = Responses.Parse(response);
        Assert.True(message.IsTruncated);
        Assert.Empty(message.AnswerRecords);
    }

    [Fact]
    public void Finalize_AnswerFitsClientBuffer_NotTruncated()
    {
        var response = _harness.Run(RawQuery.Build("big.example.org", RecordType.TXT, edns: new Edns(1232)))!;
        var message = Responses.Parse(response);
        Assert.False(message.IsTruncated);
        Assert.Equal(6, message.AnswerRecords.Count);
    }

    [Fact]
    public void Finalize_SmallClientBuffer_TreatedAs512AndTruncatedWithOpt()
    {
        var response = _harness.Run(RawQuery.Build("big.example.org", RecordType.TXT, edns: new Edns(100, Options: [RawQuery.Ecs("192.0.2.0/24")])))!;
        Assert.True(response.Length <= 512);
        var message = Responses.Parse(response);
        Assert.True(message.IsTruncated);
        Assert.True(message.IsEDnsEnabled);
        Assert.NotNull(Responses.Ecs(message));
    }

    [Fact]
    public void Finalize_Tcp_AnswersInFull()
    {
        var response = _harness.Run(RawQuery.Build("big.example.org", RecordType.TXT), DnsTransport.Tcp)!;
        var message = Responses.Parse(response);
        Assert.False(message.IsTruncated);
        Assert.Equal(6, message.AnswerRecords.Count);
    }

    [Fact]
    public void Finalize_Names_AreCompressed()
    {
        // NXDOMAIN: the SOA owner, MNAME and RNAME all point into the question name.
        var response = _harness.Run(RawQuery.Build("nothing.example.org", RecordType.A))!;
        var question = 12 + RawQuery.EncodeName("nothing.example.org").Length + 4;
        // Owner pointer (2) + fixed (10) + "ns1"+ptr (6) + "hostmaster"+ptr (13) + 20 = 51.
        Assert.Equal(question + 51, response.Length);
        Assert.Equal("ns1.example.org.", ((SoaRecord)Responses.Parse(response).AuthorityRecords[0]).MasterName.ToString());
    }

    [Fact]
    public void Finalize_RecursionDesired_CopiedButRecursionNotAvailable()
    {
        var response = _harness.Run(RawQuery.Build("www.example.org", RecordType.A, recursionDesired: true, checkingDisabled: true))!;
        var message = Responses.Parse(response);
        Assert.True(message.IsRecursionDesired);
        Assert.True(message.IsCheckingDisabled);
        Assert.False(message.IsRecursionAllowed);
        Assert.Equal(0x1234, message.TransactionID);
    }
}
