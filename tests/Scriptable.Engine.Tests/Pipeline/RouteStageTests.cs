using Scriptable.TestCommon;
using Scriptable.Testing;

namespace Scriptable.Engine.Tests.Pipeline;

/// <summary>How a policy's answer becomes the response: types, negatives, CNAMEs, wildcards, scopes.</summary>
public sealed class RouteStageTests
{
    private static PoliciesFolder Load(TempFolder folder) => PoliciesFolder.Load(folder.Path);

    [Fact]
    public void Route_RecordsOfQueryType_AnswerAuthoritatively()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", """
            static readonly Answer Both = Answer.Address("198.51.100.20", "2001:db8::20").WithTtl(30);
            return Both;
            """));
        using var folder = Load(temp);

        var a = folder.Query("www.example.org", "A");
        var aaaa = folder.Query("WWW.example.ORG", "AAAA");

        Assert.Equal(["www.example.org. 30 IN A 198.51.100.20"], a.Answer);
        Assert.True(a.Authoritative);
        Assert.Equal(["WWW.example.ORG. 30 IN AAAA 2001:db8::20"], aaaa.Answer);
    }

    [Fact]
    public void Route_NoRecordOfQueryType_NoDataWithSoa()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", "return Answer.Address(\"198.51.100.20\");"));
        using var folder = Load(temp);

        // The zone has a TXT at www, but the policy decides: it only answers A.
        var txt = folder.Query("www.example.org", "TXT");

        Assert.Equal("NOERROR", txt.Rcode);
        Assert.Empty(txt.Answer);
        Assert.Single(txt.Authority);
        Assert.Contains(" SOA ", txt.Authority[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Route_Static_AnswersFromZoneFile()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", """
            if (ctx.Query.Type == DnsType.A) return Answer.Address("198.51.100.20");
            return Answer.Static;
            """));
        using var folder = Load(temp);

        Assert.Equal(["www.example.org. 60 IN A 198.51.100.20"], folder.Query("www.example.org", "A").Answer);
        Assert.Equal(["www.example.org. 300 IN TXT \"static www\""], folder.Query("www.example.org", "TXT").Answer);
    }

    [Theory]
    [InlineData("return Answer.NxDomain;", "NXDOMAIN", true)]
    [InlineData("return Answer.NoData;", "NOERROR", true)]
    [InlineData("return Answer.Refused;", "REFUSED", false)]
    [InlineData("return Answer.ServFail;", "SERVFAIL", false)]
    public void Route_NegativeAnswers_HaveTheirRcode(string code, string rcode, bool soa)
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", code));
        using var folder = Load(temp);

        var result = folder.Query("www.example.org", "A");

        Assert.Equal(rcode, result.Rcode);
        Assert.Empty(result.Answer);
        Assert.Equal(soa, result.Authority.Count == 1);
    }

    [Fact]
    public void Route_PolicyOnlyName_ExistsAndParentIsEmptyNonTerminal()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/a.b.csx", "return Answer.Address(\"192.0.2.9\");"));
        using var folder = Load(temp);

        Assert.Equal(["a.b.example.org. 60 IN A 192.0.2.9"], folder.Query("a.b.example.org").Answer);
        var parent = folder.Query("b.example.org");
        Assert.Equal("NOERROR", parent.Rcode);
        Assert.Empty(parent.Answer);
        Assert.Equal("NXDOMAIN", folder.Query("c.example.org").Rcode);
    }

    [Fact]
    public void Route_CnameAnswer_FollowedIntoZoneData()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", "return Answer.Cname(\"mail\");"));
        using var folder = Load(temp);

        var result = folder.Query("www.example.org", "A");

        Assert.Equal(["www.example.org. 60 IN CNAME mail.example.org.", "mail.example.org. 300 IN A 192.0.2.25"], result.Answer);
        Assert.Equal(["www.example.org. 60 IN CNAME mail.example.org."], folder.Query("www.example.org", "CNAME").Answer);
    }

    [Fact]
    public void Route_StaticCnameChain_ReachesPolicy()
    {
        // deep -> alias -> lb (a policy).
        using var temp = TempFolder.WithExampleZone(("example.org/lb.csx", "return Answer.Address(\"203.0.113.7\").WithTtl(20);"));
        using var folder = Load(temp);

        var result = folder.Query("deep.example.org", "A");

        Assert.Equal(
            ["deep.example.org. 300 IN CNAME alias.example.org.", "alias.example.org. 300 IN CNAME lb.example.org.", "lb.example.org. 20 IN A 203.0.113.7"],
            result.Answer);
    }

    [Fact]
    public void Route_CnameLoopBetweenPolicies_Stops()
    {
        using var temp = TempFolder.WithExampleZone(
            ("example.org/p1.csx", "return Answer.Cname(\"p2\");"),
            ("example.org/p2.csx", "return Answer.Cname(\"p1\");"));
        using var folder = Load(temp);

        var result = folder.Query("p1.example.org", "A");

        Assert.Equal("NOERROR", result.Rcode);
        Assert.Equal(["p1.example.org. 60 IN CNAME p2.example.org.", "p2.example.org. 60 IN CNAME p1.example.org."], result.Answer);
    }

    [Fact]
    public void Route_WildcardPolicy_CoversMissingNamesOnly()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/*.cdn.csx", "return Answer.Records(\"TXT \" + '\"' + ctx.Query.Name + '\"');"));
        using var folder = Load(temp);

        Assert.Equal(["x.cdn.example.org. 60 IN TXT \"x.cdn.example.org.\""], folder.Query("x.cdn.example.org", "TXT").Answer);
        Assert.Equal(["a.b.cdn.example.org. 60 IN TXT \"a.b.cdn.example.org.\""], folder.Query("a.b.cdn.example.org", "TXT").Answer);
        Assert.Equal("NOERROR", folder.Query("cdn.example.org", "TXT").Rcode);
        Assert.Empty(folder.Query("cdn.example.org", "TXT").Answer);
        Assert.Equal("NXDOMAIN", folder.Query("x.www.example.org", "TXT").Rcode);
    }

    [Fact]
    public void Route_NamesDirective_ServesSeveralNames()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", """
            // scriptable: names=www2,@
            return Answer.Records("TXT \"" + ctx.Query.Name + "\"");
            """));
        using var folder = Load(temp);

        Assert.Equal(["www2.example.org. 60 IN TXT \"www2.example.org.\""], folder.Query("www2.example.org", "TXT").Answer);
        Assert.Equal(["example.org. 60 IN TXT \"example.org.\""], folder.Query("example.org", "TXT").Answer);
    }

    [Fact]
    public void Route_PolicyBelowDelegation_NotServed()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.sub.csx", "return Answer.Address(\"192.0.2.9\");"));
        using var folder = Load(temp);

        var result = folder.Query("www.sub.example.org", "A");

        Assert.False(result.Authoritative);
        Assert.Contains(folder.Warnings, w => w.Contains("delegation", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("return Answer.Address(\"192.0.2.9\");", "192.0.2.0/24", 0)]
    [InlineData("var n = ctx.Client.Network; return Answer.Address(\"192.0.2.9\");", "192.0.2.0/24", 24)]
    [InlineData("ctx.Scope = 16; return Answer.Address(\"192.0.2.9\");", "192.0.2.0/24", 16)]
    [InlineData("return Answer.Address(\"192.0.2.9\").WithScope(20);", "192.0.2.0/24", 20)]
    [InlineData("return Answer.Address(\"192.0.2.9\").WithScope(32);", "192.0.2.0/24", 24)]
    [InlineData("static readonly Pool<Answer> P = Pool.Of(Answer.Address(\"192.0.2.9\"), Answer.Address(\"192.0.2.10\")); return P.Sticky(ctx);", "2001:db8::/56", 56)]
    public void Route_EcsScope_FollowsWhatThePolicyRead(string code, string subnet, int scope)
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", code));
        using var folder = Load(temp);

        var result = folder.Query("www.example.org", "A", ecs: subnet);

        Assert.Equal(scope, result.EcsScope);
    }

    [Fact]
    public void Route_Throws_AnswersFallback()
    {
        using var temp = TempFolder.WithExampleZone(
            ("example.org/www.csx", "throw new InvalidOperationException(\"boom\");"),
            ("example.org/mail.csx", "// scriptable: fallback=static\nint zero = 0; return Answer.Address($\"192.0.2.{1 / zero}\");"));
        using var folder = Load(temp);

        Assert.Equal("SERVFAIL", folder.Query("www.example.org").Rcode);
        Assert.Equal(["mail.example.org. 300 IN A 192.0.2.25"], folder.Query("mail.example.org").Answer);
        Assert.Equal(["static.example.org. 300 IN A 192.0.2.1"], folder.Query("static.example.org").Answer);
    }

    [Fact]
    public void Route_ReturnsNull_AnswersFallback()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", "// scriptable: fallback=nxdomain\nreturn null;"));
        using var folder = Load(temp);

        Assert.Equal("NXDOMAIN", folder.Query("www.example.org").Rcode);
    }

    [Fact]
    public void Route_AnyQuery_OneRRset()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", "return Answer.Records(\"A 192.0.2.9\", \"MX 10 mail\", \"TXT hello\");"));
        using var folder = Load(temp);

        var result = folder.Query("www.example.org", "ANY");

        Assert.Single(result.Answer);
    }

    [Fact]
    public void Route_MxAnswer_AddsInZoneAddresses()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", "return Answer.Records(\"MX 10 mail\");"));
        using var folder = Load(temp);

        var result = folder.Query("www.example.org", "MX");

        Assert.Equal(["www.example.org. 60 IN MX 10 mail.example.org."], result.Answer);
        Assert.Equal(["mail.example.org. 300 IN A 192.0.2.25"], result.Additional);
    }
}
