using System.Buffers.Binary;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Transfers;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Transfers;

public sealed class TsigStageTests
{
    private readonly TransferPipeline _pipeline = new(TestZones.Example());

    [Theory]
    [InlineData("xfr-key", true, 0, ResponseCode.NoError, TsigError.None, 32)]
    [InlineData("xfr-key", true, 299, ResponseCode.NoError, TsigError.None, 32)]
    [InlineData("other-key", true, 0, ResponseCode.NotAuth, TsigError.BadKey, 0)]
    [InlineData("xfr-key", false, 0, ResponseCode.NotAuth, TsigError.BadSig, 0)]
    [InlineData("xfr-key", true, -301, ResponseCode.NotAuth, TsigError.BadTime, 32)]
    [InlineData("xfr-key", true, 3600, ResponseCode.NotAuth, TsigError.BadTime, 32)]
    public void Invoke_SignedQuery_RcodeTsigErrorAndMac(string keyName, bool rightSecret, int skew, int rcode, int tsigError, int macSize)
    {
        var key = new TsigKey(DnsName.Parse(keyName + "."), TsigAlgorithm.HmacSha256,
            rightSecret ? TransferPipeline.Key.Secret : new byte[32]);
        var query = TransferPipeline.Sign(RawQuery.Build("www.example.org", RecordType.A), key, _pipeline.Now + skew);

        var response = _pipeline.Run(query).Single();

        Assert.Equal(rcode, Responses.HeaderRcode(response));
        var tsig = Tsig(response);
        Assert.Equal(tsigError, tsig.Error);
        Assert.Equal(macSize, tsig.MacSize);
        Assert.Equal(tsigError == TsigError.BadTime ? 6 : 0, tsig.OtherLength);
        if (rcode == ResponseCode.NoError)
        {
            Assert.Equal(2, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6)));
        }
    }

    [Fact]
    public void Invoke_Unsigned_NoTsigInTheAnswer()
    {
        var response = _pipeline.Run(RawQuery.Build("www.example.org", RecordType.A)).Single();
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(10)));
    }

    [Fact]
    public void Invoke_TsigNotLast_FormErr()
    {
        var signed = TransferPipeline.Sign(RawQuery.Build("www.example.org", RecordType.A), TransferPipeline.Key, _pipeline.Now);
        var opt = RawQuery.Opt(new Edns());
        var packet = RawQuery.WithCounts([.. signed, .. opt], 1, 0, 0, 2);
        Assert.Equal(ResponseCode.FormErr, Responses.HeaderRcode(_pipeline.Run(packet).Single()));
    }

    /// <summary>The answer's TSIG record: its error, MAC size and other data's length.</summary>
    internal static (int Error, int MacSize, int OtherLength) Tsig(byte[] response)
    {
        var tsig = Assert.IsType<ARSoft.Tools.Net.Dns.TSigRecord>(Responses.Parse(response).TSigOptions);
        return ((int)tsig.Error, tsig.Mac?.Length ?? 0, tsig.OtherData?.Length ?? 0);
    }
}
