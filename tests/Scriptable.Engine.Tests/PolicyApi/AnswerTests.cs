using Scriptable.Policies;

namespace Scriptable.Engine.Tests.PolicyApi;

public sealed class AnswerTests
{
    [Fact]
    public void Address_MixedFamilies_OneRRsetEach()
    {
        var answer = Answer.Address("192.0.2.1", "2001:db8::1", "192.0.2.2", "::ffff:192.0.2.3");

        Assert.Equal([DnsType.A, DnsType.AAAA], answer.Types);
        Assert.Equal(["60 IN A 192.0.2.1", "60 IN A 192.0.2.2", "60 IN A 192.0.2.3", "60 IN AAAA 2001:db8::1"], answer.ToLines());
    }

    [Theory]
    [InlineData("300 MX 10 mail.example.org.", "300 IN MX 10 mail.example.org.")]
    [InlineData("1h IN TXT \"two words\" second", "3600 IN TXT \"two words\" \"second\"")]
    [InlineData("SRV 0 5 443 web.example.org.", "60 IN SRV 0 5 443 web.example.org.")]
    [InlineData("CAA 0 issue \"letsencrypt.org\"", "60 IN CAA 0 issue \"letsencrypt.org\"")]
    [InlineData("TYPE65280 \\# 2 abcd", "60 IN TYPE65280 \\# 2 ABCD")]
    public void Records_ZoneFileSyntax_Parsed(string line, string expected)
    {
        Assert.Equal([expected], Answer.Records(line).ToLines());
    }

    [Theory]
    [InlineData("", "needs a type")]
    [InlineData("A", "A needs")]
    [InlineData("A 300.1.1.1", "")]
    [InlineData("SOA ns hostmaster 1 2 3 4 5", "not a record type a policy can answer")]
    [InlineData("MX 10 mail", "relative name")]
    [InlineData("BOGUS 1", "'BOGUS' is not a record type")]
    public void Records_Invalid_FormatExceptionSaysWhy(string line, string message)
    {
        var error = Assert.Throws<FormatException>(() => Answer.Records(line));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"'{line}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Records_DifferentTtlsInOneType_Rejected()
    {
        Assert.Throws<FormatException>(() => Answer.Records("30 A 192.0.2.1", "60 A 192.0.2.2"));
    }

    [Fact]
    public void Records_CnameWithOthers_Rejected()
    {
        Assert.Throws<FormatException>(() => Answer.Records("CNAME a.example.org.", "A 192.0.2.1"));
    }

    [Fact]
    public void Address_NotAnAddress_Throws()
    {
        var error = Assert.Throws<FormatException>(() => Answer.Address("192.0.2"));
        Assert.Contains("'192.0.2'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithTtl_Combine_Order_Scope_AreCopies()
    {
        var a = Answer.Address("192.0.2.1").WithTtl(30);
        var b = Answer.Address("192.0.2.2", "2001:db8::2");
        var combined = Answer.Combine(a, b);

        Assert.Equal(["30 IN A 192.0.2.1", "30 IN A 192.0.2.2", "60 IN AAAA 2001:db8::2"], combined.ToLines());
        Assert.Equal(RecordOrder.Shuffled, combined.Shuffled().Order);
        Assert.Equal(RecordOrder.AsGiven, combined.Order);
        Assert.Equal(24, a.WithScope(24).Scope);
        Assert.Equal(-1, a.Scope);
        Assert.Throws<InvalidOperationException>(() => Answer.NxDomain.WithTtl(5));
        Assert.Throws<ArgumentException>(() => Answer.Combine(a, Answer.Static));
    }
}
