using Scriptable.Testing;

namespace Scriptable.Policies.Tests;

/// <summary>The repository's default policies folder (what <c>scriptable</c> serves with no arguments), through Scriptable.Testing.</summary>
public class DefaultPoliciesTests
{
    private static readonly PoliciesFolder s_folder = PoliciesFolder.Load(RepositoryPath("policies"));

    internal static string RepositoryPath(string relative)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Scriptable.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("Scriptable.sln not found above the test binaries."), relative);
    }

    [Fact]
    public void Load_ServesExampleComWithoutWarnings()
    {
        Assert.Equal(["example.com."], s_folder.Zones);
        Assert.Empty(s_folder.Warnings);
    }

    [Fact]
    public void Www_A_AndAaaa()
    {
        var a = s_folder.Query("www.example.com", "A");
        Assert.Equal("NOERROR", a.Rcode);
        Assert.True(a.Authoritative);
        Assert.Equal(["www.example.com. 30 IN A 203.0.113.30"], a.Answer);
        Assert.Equal(["www.example.com. 30 IN AAAA 2001:db8:30::30"], s_folder.Query("www.example.com", "AAAA").Answer);
    }

    [Fact]
    public void Canary_OnePercentOfSubnets_Sticky()
    {
        var canary = 0;
        for (var n = 0; n < 4096; n++)
        {
            var subnet = $"10.{n >> 8}.{n & 255}.0/24";
            var first = s_folder.Query("canary.example.com", "A", ecs: subnet);
            Assert.Equal(24, first.EcsScope);
            Assert.Equal(first.Answer, s_folder.Query("canary.example.com", "A", ecs: subnet).Answer);
            canary += first.Answer.Single().EndsWith("192.0.2.20", StringComparison.Ordinal) ? 1 : 0;
        }

        // 1% of 4096 is 41; a binomial spread of 3 standard deviations is about 19.
        Assert.InRange(canary, 41 - 19, 41 + 19);
        Assert.Equal("NOERROR", s_folder.Query("canary.example.com", "MX").Rcode);
    }

    [Fact]
    public void Static_A()
    {
        Assert.Equal(["static.example.com. 3600 IN A 192.0.2.1"], s_folder.Query("static.example.com").Answer);
    }

    [Fact]
    public void Apex_MxWithExchangeAddress_AndSpf()
    {
        var mx = s_folder.Query("example.com", "MX");
        Assert.Equal(["example.com. 3600 IN MX 10 mail.example.com."], mx.Answer);
        Assert.Equal(["mail.example.com. 3600 IN A 192.0.2.25"], mx.Additional);
        Assert.Equal(["example.com. 3600 IN TXT \"v=spf1 -all\""], s_folder.Query("example.com", "TXT").Answer);
    }

    [Fact]
    public void Apex_NsWithGlue()
    {
        var ns = s_folder.Query("example.com", "NS");
        Assert.Equal(2, ns.Answer.Count);
        Assert.Equal(["ns1.example.com. 3600 IN A 192.0.2.53", "ns2.example.com. 3600 IN A 192.0.2.54"], ns.Additional);
    }

    [Fact]
    public void Missing_NxDomainWithSoa()
    {
        var result = s_folder.Query("nothing.example.com");
        Assert.Equal("NXDOMAIN", result.Rcode);
        Assert.Equal(["example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 3600 600 604800 300"], result.Authority);
    }

    [Fact]
    public void OtherDomain_Refused()
    {
        var result = s_folder.Query("www.example.org");
        Assert.Equal("REFUSED", result.Rcode);
        Assert.False(result.Authoritative);
    }

    [Fact]
    public void ClientSubnet_ScopeZeroForStaticData()
    {
        Assert.Equal(0, s_folder.Query("static.example.com", ecs: "81.2.69.160/27").EcsScope);
        Assert.Null(s_folder.Query("static.example.com").EcsScope);
    }
}
