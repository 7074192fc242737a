using Scriptable.Testing;

namespace Scriptable.Policies.Tests;

/// <summary>Every examples/* folder loads, and answers what its README says.</summary>
public class ExampleFoldersTests
{
    public static TheoryData<string> Folders()
    {
        var data = new TheoryData<string>();
        foreach (var folder in Directory.EnumerateDirectories(DefaultPoliciesTests.RepositoryPath("examples")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(folder));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Example_LoadsWithoutErrorOrWarning(string name)
    {
        var folder = PoliciesFolder.Load(DefaultPoliciesTests.RepositoryPath(Path.Combine("examples", name)));
        Assert.NotEmpty(folder.Zones);
        Assert.Empty(folder.Warnings);
        Assert.True(File.Exists(Path.Combine(folder.Path, "README.md")), $"examples/{name} needs a README");
    }

    [Fact]
    public void StaticZones_AnswersAsItsReadmeSays()
    {
        var folder = PoliciesFolder.Load(DefaultPoliciesTests.RepositoryPath(Path.Combine("examples", "static-zones")));
        Assert.Equal(["www.example.net. 300 IN AAAA 2001:db8::80"], folder.Query("www.example.net", "AAAA").Answer);
        Assert.Equal(["shop.example.net. 3600 IN CNAME www.example.net.", "www.example.net. 300 IN A 192.0.2.80"], folder.Query("shop.example.net").Answer);
        Assert.Equal(["alice.users.example.net. 3600 IN A 192.0.2.81"], folder.Query("alice.users.example.net").Answer);

        var referral = folder.Query("host.lab.example.net");
        Assert.False(referral.Authoritative);
        Assert.Equal(["lab.example.net. 3600 IN NS ns.lab.example.net."], referral.Authority);
        Assert.Equal(["ns.lab.example.net. 3600 IN A 192.0.2.99"], referral.Additional);

        var srv = folder.Query("_imaps._tcp.example.net", "SRV");
        Assert.Equal(["_imaps._tcp.example.net. 3600 IN SRV 0 1 993 mail.example.net."], srv.Answer);
        Assert.Equal(["mail.example.net. 3600 IN A 192.0.2.25"], srv.Additional);

        Assert.Equal(["10.2.0.192.in-addr.arpa. 3600 IN PTR host-10.example.net."], folder.Query("10.2.0.192.in-addr.arpa", "PTR").Answer);
        Assert.Equal(["ci.example.net. 3600 IN A 192.0.2.11"], folder.Query("ci.example.net").Answer);

        var missing = folder.Query("nope.example.net");
        Assert.Equal("NXDOMAIN", missing.Rcode);
        Assert.Equal(["example.net. 300 IN SOA ns1.example.net. hostmaster.example.net. 2026112201 7200 900 1209600 300"], missing.Authority);
    }
}
