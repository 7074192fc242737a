using System.Net;
using MaxMind.Db;
using Scriptable.TestCommon;
using Scriptable.Testing;

namespace Scriptable.Policies.Tests;

/// <summary>
/// examples/geo-failover with MaxMind's GeoIP2-City-Test database: the 16 addresses of ../shared/geo/README.md
/// get their continent's answer, and the ECS scope is the database network's prefix (as gdnsd returns it),
/// capped by the client's; the MaxMind.Db reader is the oracle for the prefix.
/// </summary>
public sealed class GeoFailoverExampleTests : IDisposable
{
    private const string NorthAmerica = "192.0.2.10";
    private const string Europe = "198.51.100.20";
    private const string Elsewhere = "203.0.113.30";

    private readonly GeoFailoverChecks? _checks = SharedGeo.Available ? new GeoFailoverChecks(SharedGeo.City) : null;

    public void Dispose() => _checks?.Dispose();

    /// <summary>The table of ../shared/geo/README.md: address, its DB network's prefix (or 32/128 when not found), answer.</summary>
    public static TheoryData<string, int, string> Addresses() => new()
    {
        { "81.2.69.160", 27, Europe },
        { "89.160.20.128", 25, Europe },
        { "2.125.160.216", 29, Europe },
        { "216.160.83.56", 29, NorthAmerica },
        { "214.78.120.1", 22, NorthAmerica },
        { "149.101.100.1", 28, NorthAmerica },
        { "175.16.199.1", 24, Elsewhere },
        { "202.196.224.1", 20, Elsewhere },
        { "67.43.156.1", 24, Elsewhere },
        { "214.0.1.1", 24, Elsewhere },
        { "1.128.0.1", 32, Elsewhere },
        { "2001:480:10::1", 48, NorthAmerica },
        { "2a02:d180::1", 29, Europe },
        { "2a02:cfc0::1", 29, Europe },
        { "2001:218::1", 32, Elsewhere },
        { "2a02:e700::1", 29, Elsewhere },
    };

    [SharedGeoTheory]
    [MemberData(nameof(Addresses))]
    public void Www_EcsAtDatabasePrefix_ContinentAnswerAndDatabaseScope(string address, int prefix, string expected) =>
        _checks!.EcsAtPrefix(address, prefix, expected);

    [SharedGeoTheory]
    [MemberData(nameof(Addresses))]
    public void Www_HostEcs_ScopeIsDatabaseNetwork(string address, int prefix, string expected) =>
        _checks!.HostEcs(address, prefix, expected);

    [SharedGeoTheory]
    [MemberData(nameof(Addresses))]
    public void Www_NoEcs_LocatedBySourceAddress(string address, int prefix, string expected) =>
        _checks!.NoEcs(address, prefix, expected);

    [SharedGeoFact]
    public void Www_EcsShorterThanDatabaseNetwork_LooksUpNetworkAddress() => _checks!.ShorterEcs();

    [SharedGeoFact]
    public void Www_EcsPrefixZero_AnswerForTheResolverWithScopeZero() => _checks!.EcsPrefixZero();

    [SharedGeoFact]
    public void Www_Aaaa_SameContinents() => _checks!.Aaaa();

    [SharedGeoFact]
    public void StaticNames_ScopeZero() => _checks!.StaticNames();
}

/// <summary>The same checks with a database generated from the same table: they run everywhere.</summary>
public sealed class GeoFailoverExampleGeneratedDatabaseTests : IDisposable
{
    private readonly string _database = Path.Combine(Directory.CreateTempSubdirectory("scriptable-geo-").FullName, "city.mmdb");
    private readonly GeoFailoverChecks _checks;

    public GeoFailoverExampleGeneratedDatabaseTests()
    {
        Scriptable.TestCommon.Mmdb.TestGeo.CityTestLike().Write(_database);
        _checks = new GeoFailoverChecks(_database);
    }

    public void Dispose()
    {
        _checks.Dispose();
        Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);
    }

    [Theory]
    [MemberData(nameof(GeoFailoverExampleTests.Addresses), MemberType = typeof(GeoFailoverExampleTests))]
    public void Www_EcsAtDatabasePrefix_ContinentAnswerAndDatabaseScope(string address, int prefix, string expected) =>
        _checks.EcsAtPrefix(address, prefix, expected);

    [Theory]
    [MemberData(nameof(GeoFailoverExampleTests.Addresses), MemberType = typeof(GeoFailoverExampleTests))]
    public void Www_HostEcs_ScopeIsDatabaseNetwork(string address, int prefix, string expected) =>
        _checks.HostEcs(address, prefix, expected);

    [Theory]
    [MemberData(nameof(GeoFailoverExampleTests.Addresses), MemberType = typeof(GeoFailoverExampleTests))]
    public void Www_NoEcs_LocatedBySourceAddress(string address, int prefix, string expected) =>
        _checks.NoEcs(address, prefix, expected);

    [Fact]
    public void Www_EcsShorterThanDatabaseNetwork_LooksUpNetworkAddress() => _checks.ShorterEcs();

    [Fact]
    public void Www_EcsPrefixZero_AnswerForTheResolverWithScopeZero() => _checks.EcsPrefixZero();

    [Fact]
    public void Www_Aaaa_SameContinents() => _checks.Aaaa();

    [Fact]
    public void StaticNames_ScopeZero() => _checks.StaticNames();
}

/// <summary>The example's promises, against one database; the MaxMind.Db reader is the oracle for prefixes.</summary>
internal sealed class GeoFailoverChecks(string database) : IDisposable
{
    private const string Europe = "198.51.100.20";
    private const string Elsewhere = "203.0.113.30";

    private readonly PoliciesFolder _folder = PoliciesFolder.Load(DefaultPoliciesTests.RepositoryPath(Path.Combine("examples", "geo-failover")), database);
    private readonly Reader _oracle = new(database);

    public void Dispose()
    {
        _folder.Dispose();
        _oracle.Dispose();
    }

    private int OraclePrefix(string address)
    {
        _oracle.Find<Dictionary<string, object>>(IPAddress.Parse(address), out var prefix);
        return prefix;
    }

    public void EcsAtPrefix(string address, int prefix, string expected)
    {
        var result = _folder.Query("www.example.com", "A", ecs: $"{address}/{prefix}");

        Assert.Equal([$"www.example.com. 30 IN A {expected}"], result.Answer);
        Assert.Equal(Math.Min(prefix, OraclePrefix(address)), result.EcsScope);
    }

    public void HostEcs(string address, int prefix, string expected)
    {
        var host = address.Contains(':', StringComparison.Ordinal) ? 128 : 32;

        var result = _folder.Query("www.example.com", "A", ecs: $"{address}/{host}");

        Assert.Equal([$"www.example.com. 30 IN A {expected}"], result.Answer);
        Assert.Equal(OraclePrefix(address), result.EcsScope);
        Assert.True(prefix >= result.EcsScope);
    }

    public void NoEcs(string address, int prefix, string expected)
    {
        var result = _folder.Query("www.example.com", "A", client: address);

        Assert.Equal([$"www.example.com. 30 IN A {expected}"], result.Answer);
        Assert.Null(result.EcsScope);
        Assert.True(prefix > 0);
    }

    public void ShorterEcs()
    {
        // 81.2.69.160/24 is looked up as 81.2.69.0, which the database does not hold (see ../shared/geo/README.md).
        var result = _folder.Query("www.example.com", "A", ecs: "81.2.69.160/24");

        Assert.Equal([$"www.example.com. 30 IN A {Elsewhere}"], result.Answer);
        Assert.Equal(24, result.EcsScope);
    }

    public void EcsPrefixZero()
    {
        var result = _folder.Query("www.example.com", "A", client: "81.2.69.160", ecs: "0.0.0.0/0");

        Assert.Equal([$"www.example.com. 30 IN A {Europe}"], result.Answer);
        Assert.Equal(0, result.EcsScope);
    }

    public void Aaaa()
    {
        Assert.Equal(["www.example.com. 30 IN AAAA 2001:db8:20::20"], _folder.Query("www.example.com", "AAAA", ecs: "2a02:d180::/29").Answer);
        Assert.Equal(["www.example.com. 30 IN AAAA 2001:db8:10::10"], _folder.Query("www.example.com", "AAAA", ecs: "216.160.83.56/29").Answer);
        Assert.Equal(["www.example.com. 30 IN AAAA 2001:db8:30::30"], _folder.Query("www.example.com", "AAAA", ecs: "175.16.199.0/24").Answer);
    }

    public void StaticNames()
    {
        var result = _folder.Query("static.example.com", "A", ecs: "81.2.69.160/27");

        Assert.Equal(["static.example.com. 3600 IN A 192.0.2.1"], result.Answer);
        Assert.Equal(0, result.EcsScope);
        Assert.Equal(["example.com. 3600 IN MX 10 mail.example.com."], _folder.Query("example.com", "MX").Answer);
    }
}
