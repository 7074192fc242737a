using Scriptable.Engine.Fixtures;
using Scriptable.Engine.Local;

namespace Scriptable.Engine.Tests.Fixtures;

/// <summary>ExpectedRecord: zone-file lines with the owner, TTL and class optional, compared in canonical form.</summary>
public sealed class ExpectedRecordTests
{
    [Theory]
    [InlineData("www.example.com. 30 IN A 192.0.2.10", "www.example.com.", 30u, "A", "192.0.2.10")]
    [InlineData("www.example.com 30 IN A 192.0.2.10", "www.example.com.", 30u, "A", "192.0.2.10")]
    [InlineData("WWW.Example.COM. 30 in a 192.0.2.10", "www.example.com.", 30u, "A", "192.0.2.10")]
    [InlineData("www.example.com. IN 30 A 192.0.2.10", "www.example.com.", 30u, "A", "192.0.2.10")]
    [InlineData("www.example.com. A 192.0.2.10", "www.example.com.", null, "A", "192.0.2.10")]
    [InlineData("30 IN A 192.0.2.10", null, 30u, "A", "192.0.2.10")]
    [InlineData("30 A 192.0.2.10", null, 30u, "A", "192.0.2.10")]
    [InlineData("IN A 192.0.2.10", null, null, "A", "192.0.2.10")]
    [InlineData("A 192.0.2.10", null, null, "A", "192.0.2.10")]
    [InlineData("  A\t192.0.2.10  ", null, null, "A", "192.0.2.10")]
    // 'MX 10 mail' is an MX record (its data parses), not a record of type 10 owned by 'MX'; names in data are absolute.
    [InlineData("MX 10 mail", null, null, "MX", "10 mail.")]
    [InlineData("MX 10 mail.example.com.", null, null, "MX", "10 mail.example.com.")]
    // 'a 30 IN A ...' is owned by 'a': A's data does not parse from '30 IN A 192.0.2.1'.
    [InlineData("a 30 IN A 192.0.2.1", "a.", 30u, "A", "192.0.2.1")]
    [InlineData("mx A 192.0.2.1", "mx.", null, "A", "192.0.2.1")]
    [InlineData("0 A 192.0.2.1", null, 0u, "A", "192.0.2.1")]
    // Canonical data.
    [InlineData("AAAA 2001:DB8::0:1", null, null, "AAAA", "2001:db8::1")]
    [InlineData("AAAA 2001:0db8:0000:0000:0000:0000:0000:0001", null, null, "AAAA", "2001:db8::1")]
    [InlineData("CNAME www.example.org", null, null, "CNAME", "www.example.org.")]
    [InlineData("txt hello", null, null, "TXT", "\"hello\"")]
    [InlineData("TXT \"hello world\"", null, null, "TXT", "\"hello world\"")]
    [InlineData("TXT \"two  spaces\" \"and\tmore\"", null, null, "TXT", "\"two  spaces\" \"and\\009more\"")]
    [InlineData("www 60 TXT \"v=spf1 -all\"", "www.", 60u, "TXT", "\"v=spf1 -all\"")]
    [InlineData("example.org. SOA ns1.example.org. hostmaster.example.org. 1 3600 600 604800 60", "example.org.", null, "SOA", "ns1.example.org. hostmaster.example.org. 1 3600 600 604800 60")]
    [InlineData("TYPE65534 \\# 3 010203", null, null, "TYPE65534", "\\# 3 010203")]
    [InlineData("type65534 \\# 3 0a0b0c", null, null, "TYPE65534", "\\# 3 0A0B0C")] // as dig prints it
    public void TryParse_Line_OwnerTtlClassOptional(string line, string? owner, uint? ttl, string type, string data)
    {
        Assert.True(ExpectedRecord.TryParse(line, out var record, out var error), error);

        Assert.Equal(new ExpectedRecord(owner, ttl, type, data), record);
    }

    [Theory]
    [InlineData("", "is not a record: write it as a zone-file line")]
    [InlineData("192.0.2.1", "is not a record")]
    [InlineData("A", "is not a record")]
    [InlineData("www.example.org.", "is not a record")]
    [InlineData("FOO 192.0.2.1", "is not a record")]
    [InlineData("www.example.org. 30 CH A 192.0.2.1", "is not a record")]
    [InlineData("www.example.org. 30 IN IN A 192.0.2.1", "is not a record")]
    [InlineData("www.example.org. 30 40 A 192.0.2.1", "is not a record")]
    [InlineData("A 192.0.2.300", "'A 192.0.2.300': ")]
    [InlineData("A 2001:db8::1", "'A 2001:db8::1': ")]
    [InlineData("AAAA 192.0.2.1", "'AAAA 192.0.2.1': ")]
    [InlineData("MX mail", "'MX mail': ")]
    public void TryParse_NotARecord_FalseWithMessage(string line, string message)
    {
        Assert.False(ExpectedRecord.TryParse(line, out var record, out var error));

        Assert.Null(record);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("A 192.0.2.10", true)]
    [InlineData("30 A 192.0.2.10", true)]
    [InlineData("60 A 192.0.2.10", false)]
    [InlineData("www.example.com. A 192.0.2.10", true)]
    [InlineData("www.example.com A 192.0.2.10", true)]
    [InlineData("www.EXAMPLE.com. 30 IN A 192.0.2.10", true)]
    [InlineData("mail.example.com. A 192.0.2.10", false)]
    [InlineData("www A 192.0.2.10", false)]           // relative names are absolute: 'www.' is not www.example.com.
    [InlineData("A 192.0.2.11", false)]
    [InlineData("AAAA ::ffff:192.0.2.10", false)]
    public void Matches_WhatIsLeftOutMatchesAnything(string line, bool matches)
    {
        // The owner as the query spelled it (0x20): compared without case.
        var actual = new LocalRecord("WwW.ExAmPlE.CoM.", 30, "A", "192.0.2.10");
        Assert.True(ExpectedRecord.TryParse(line, out var record, out _));

        Assert.Equal(matches, record.Matches(actual));
    }

    [Fact]
    public void Matches_CanonicalData()
    {
        Assert.True(ExpectedRecord.TryParse("AAAA 2001:DB8:0::0:1", out var record, out _));

        Assert.True(record.Matches(new LocalRecord("www.example.com.", 30, "AAAA", "2001:db8::1")));
        Assert.False(record.Matches(new LocalRecord("www.example.com.", 30, "AAAA", "2001:db8::2")));
    }

    [Theory]
    [InlineData("A 192.0.2.10", "A 192.0.2.10")]
    [InlineData("30 A 192.0.2.10", "30 IN A 192.0.2.10")]
    [InlineData("www.example.com A 192.0.2.10", "www.example.com. IN A 192.0.2.10")]
    [InlineData("www.example.com. 30 IN A 192.0.2.10", "www.example.com. 30 IN A 192.0.2.10")]
    public void ToString_AsWrittenInCanonicalForm(string line, string text)
    {
        Assert.True(ExpectedRecord.TryParse(line, out var record, out _));

        Assert.Equal(text, record.ToString());
    }
}
