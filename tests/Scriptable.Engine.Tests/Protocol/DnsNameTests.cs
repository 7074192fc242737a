using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Tests.Protocol;

public class DnsNameTests
{
    [Theory]
    [InlineData("www.example.org.", null, "www.example.org.")]
    [InlineData("www", "example.org.", "www.example.org.")]
    [InlineData("@", "example.org.", "example.org.")]
    [InlineData(".", null, ".")]
    [InlineData("a\\.b.example.org.", null, "a\\.b.example.org.")]
    [InlineData("\\065b.example.org.", null, "Ab.example.org.")]
    [InlineData("*.example.org.", null, "*.example.org.")]
    public void TryParse_ValidText_RoundTrips(string text, string? origin, string expected)
    {
        var o = origin is null ? null : DnsName.Parse(origin);
        Assert.True(DnsName.TryParse(text, o, out var name, out var error), error);
        Assert.Equal(expected, name!.ToString());
    }

    [Theory]
    [InlineData("a..b.", "empty label")]
    [InlineData("www", "no origin")]
    [InlineData("a\\", "dangling escape")]
    [InlineData("a\\25", "escape")]
    [InlineData("a\\999.", "bad \\DDD")]
    [InlineData("a b.", "not allowed")]
    public void TryParse_InvalidText_ReportsWhy(string text, string expected)
    {
        Assert.False(DnsName.TryParse(text, null, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void TryParse_LabelOf64Octets_Fails()
    {
        Assert.False(DnsName.TryParse(new string('a', 64) + ".", null, out _, out var error));
        Assert.Contains("63", error);
    }

    [Fact]
    public void TryParse_NameOver255Octets_Fails()
    {
        var text = string.Join('.', Enumerable.Repeat(new string('a', 63), 4)) + ".";
        Assert.False(DnsName.TryParse(text, null, out _, out var error));
        Assert.Contains("255", error);
    }

    [Fact]
    public void Equals_IgnoresCase_AndHashesAlike()
    {
        var a = DnsName.Parse("WWW.Example.ORG.");
        var b = DnsName.Parse("www.example.org.");
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal("WWW.Example.ORG.", a.ToString());
    }

    [Fact]
    public void IsSubdomainOf_ChecksWholeLabels()
    {
        var zone = DnsName.Parse("example.org.");
        Assert.True(DnsName.Parse("a.b.Example.org.").IsSubdomainOf(zone));
        Assert.True(zone.IsSubdomainOf(zone));
        Assert.False(DnsName.Parse("badexample.org.").IsSubdomainOf(zone));
        Assert.True(zone.IsSubdomainOf(DnsName.Root));
    }

    [Fact]
    public void StripLeft_And_Prepend_AreInverse()
    {
        var name = DnsName.Parse("a.b.example.org.");
        Assert.Equal(DnsName.Parse("example.org."), name.StripLeft(2));
        Assert.Equal(DnsName.Root, name.StripLeft(9));
        Assert.Equal(name, name.StripLeft(1).Prepend("a"u8));
        Assert.True(DnsName.Parse("example.org.").Prepend("*"u8).IsWildcard);
    }
}
