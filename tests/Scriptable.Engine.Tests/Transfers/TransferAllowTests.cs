using System.Net;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Transfers;

namespace Scriptable.Engine.Tests.Transfers;

public sealed class TransferAllowTests
{
    private static readonly TsigKeyRing Ring = new([TransferPipeline.Key]);

    [Theory]
    [InlineData("192.0.2.0/24", "192.0.2.7", false, true)]
    [InlineData("192.0.2.0/24", "198.51.100.7", false, false)]
    [InlineData("192.0.2.7", "192.0.2.7", false, true)]
    [InlineData("2001:db8::/32", "2001:db8::1", false, true)]
    [InlineData("key:xfr-key", "198.51.100.7", true, true)]
    [InlineData("key:xfr-key", "198.51.100.7", false, false)]
    [InlineData("KEY:XFR-KEY.", "198.51.100.7", true, true)]
    [InlineData("192.0.2.7 key:xfr-key", "192.0.2.7", true, true)]
    [InlineData("192.0.2.7 key:xfr-key", "192.0.2.8", true, false)]
    [InlineData("192.0.2.7 key:xfr-key", "192.0.2.7", false, false)]
    public void TryParse_Valid_MatchesAsWritten(string text, string client, bool signed, bool matches)
    {
        Assert.True(TransferAllow.TryParse(text, Ring, out var allow, out var error), error);
        Assert.Equal(matches, allow.Matches(IPAddress.Parse(client), signed ? TransferPipeline.Key : null));
    }

    [Theory]
    [InlineData("key:xfr-kye", "no TSIG key is named 'xfr-kye' (Tsig:Keys holds xfr-key)")]
    [InlineData("192.0.2.300", "'192.0.2.300' is not an address or a network")]
    [InlineData("192.0.2.0/33", "is not an address or a network")]
    [InlineData("192.0.2.1 192.0.2.2", "is not an address or a network")]
    [InlineData("key:xfr-key key:xfr-key", "names two keys")]
    [InlineData("", "is not an address, a network")]
    public void TryParse_Invalid_SaysWhy(string text, string error)
    {
        Assert.False(TransferAllow.TryParse(text, Ring, out _, out var message));
        Assert.Contains(error, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7:53", false)]
    [InlineData("192.0.2.7:5301 key:xfr-key", "192.0.2.7:5301", true)]
    [InlineData("[2001:db8::7]:53", "[2001:db8::7]:53", false)]
    public void NotifyTarget_TryParse_Valid(string text, string endPoint, bool keyed)
    {
        Assert.True(NotifyTarget.TryParse(text, Ring, out var target, out var error), error);
        Assert.Equal(endPoint, target.EndPoint.ToString());
        Assert.Equal(keyed, target.Key is not null);
    }

    [Fact]
    public void Name_WireForm_IsLowered()
    {
        Assert.Same(TransferPipeline.Key, Ring.Find(DnsName.Parse("XFR-Key.")));
    }
}
