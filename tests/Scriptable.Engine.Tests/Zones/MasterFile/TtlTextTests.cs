using Scriptable.Engine.Zones.MasterFile;

namespace Scriptable.Engine.Tests.Zones.MasterFile;

public class TtlTextTests
{
    [Theory]
    [InlineData("0", 0u)]
    [InlineData("300", 300u)]
    [InlineData("1s", 1u)]
    [InlineData("1m", 60u)]
    [InlineData("1h", 3600u)]
    [InlineData("2H", 7200u)]
    [InlineData("1d", 86400u)]
    [InlineData("1w", 604800u)]
    [InlineData("1W", 604800u)]
    [InlineData("1d2h30m", 95400u)]
    [InlineData("1h30m15s", 5415u)]
    [InlineData("1h1h", 7200u)]
    [InlineData("4294967295", 4294967295u)]
    public void TryParse_ValidText_ReturnsSeconds(string text, uint expected)
    {
        Assert.True(TtlText.TryParse(text, out var seconds));
        Assert.Equal(expected, seconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("h")]
    [InlineData("1x")]
    [InlineData("1h30")]
    [InlineData("-1")]
    [InlineData("1.5h")]
    [InlineData("4294967296")]
    [InlineData("7102w")]
    public void TryParse_InvalidText_Fails(string text)
    {
        Assert.False(TtlText.TryParse(text, out _));
    }
}
