using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;
using Scriptable.Testing;

namespace Scriptable.Engine.Tests.Pipeline;

/// <summary>ctx.Geo in policies: fields, several databases, nearest member, and the ECS scope they imply.</summary>
public sealed class GeoRouteTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Database(string name, MmdbWriter writer)
    {
        var path = Path.Combine(_temp.Path, name);
        writer.Write(path);
        return path;
    }

    private PoliciesFolder Load(string policy, params string[] databases)
    {
        _temp.Write("example.org/example.org.zone", TempFolder.ExampleZone);
        _temp.Write("example.org/www.csx", policy);
        return PoliciesFolder.Load(_temp.Path, databases);
    }

    private const string Describe = """
        var g = ctx.Geo;
        return Answer.Records($"TXT \"{g.CountryCode}|{g.ContinentCode}|{g.City}|{g.Subdivision}|{g.Asn}|{g.AsnOrganization}|{g.Network}|{g.IsKnown}\"");
        """;

    [Fact]
    public void Geo_CityAndAsnDatabases_FieldsFromTheFirstThatHasThem()
    {
        var city = Database("city.mmdb", new MmdbWriter().Insert("192.0.2.0/24", TestGeo.City("GB", "EU", "London", 51.5, -0.1, 20, "ENG")));
        var asn = Database("asn.mmdb", new MmdbWriter().Insert("192.0.0.0/16", TestGeo.Asn(64496, "Example Transit")));
        using var folder = Load(Describe, city, asn);

        var result = folder.Query("www.example.org", "TXT", ecs: "192.0.2.128/25");

        Assert.Equal(["www.example.org. 60 IN TXT \"GB|EU|London|ENG|64496|Example Transit|192.0.2.0/24|True\""], result.Answer);
        // The answer read both databases: the longer network (/24) decides, capped by the client's /25.
        Assert.Equal(24, result.EcsScope);
    }

    [Fact]
    public void Geo_NoDatabase_Unknown_ScopeZero()
    {
        using var folder = Load(Describe);

        var result = folder.Query("www.example.org", "TXT", ecs: "192.0.2.0/24");

        Assert.Equal(["www.example.org. 60 IN TXT \"|||||||False\""], result.Answer);
        Assert.Equal(0, result.EcsScope);
    }

    [Fact]
    public void Geo_CountryOnlySchema_ContinentDerived()
    {
        var countries = Database("country.mmdb", new MmdbWriter().Insert("198.51.100.0/24", TestGeo.CountryCode("BR")));
        using var folder = Load("return Answer.Records($\"TXT {ctx.Geo.ContinentCode} {ctx.Geo.Value(\"country_code\")}\");", countries);

        Assert.Equal(["www.example.org. 60 IN TXT \"SA\" \"BR\""], folder.Query("www.example.org", "TXT", ecs: "198.51.100.7/32").Answer);
    }

    [Fact]
    public void Geo_ValueOfNamedDatabase_AndPath()
    {
        var city = Database("GeoIP2-City.mmdb", new MmdbWriter().Insert("192.0.2.0/24", TestGeo.City("FR", "EU", "Paris")));
        var asn = Database("GeoLite2-ASN.mmdb", new MmdbWriter().Insert("192.0.2.0/24", TestGeo.Asn(64511)));
        using var folder = Load("return Answer.Records($\"TXT {ctx.Geo.Value(\"GeoLite2-ASN\", \"autonomous_system_number\")} {ctx.Geo.Value(\"city/names/en\")} {ctx.Geo.Value(\"nope\", \"x\") is null}\");", city, asn);

        Assert.Equal(["www.example.org. 60 IN TXT \"64511\" \"Paris\" \"True\""], folder.Query("www.example.org", "TXT", client: "192.0.2.9").Answer);
    }

    [Fact]
    public void Geo_NotReadByPolicy_NoLookupNoScope()
    {
        var city = Database("city.mmdb", new MmdbWriter().Insert("192.0.2.0/24", TestGeo.City("GB", "EU")));
        using var folder = Load("return Answer.Address(\"203.0.113.9\");", city);

        Assert.Equal(0, folder.Query("www.example.org", ecs: "192.0.2.0/24").EcsScope);
    }

    [Theory]
    [InlineData("2001:db8::/32", 0)]
    [InlineData("192.0.2.0/24", 24)]
    public void Geo_Ipv6SubnetInIpv4Database_NotFoundScopeZero(string subnet, int scope)
    {
        var city = Database("v4.mmdb", new MmdbWriter(ipVersion: 4).Insert("192.0.2.0/24", TestGeo.City("GB", "EU")));
        using var folder = Load(Describe, city);

        Assert.Equal(scope, folder.Query("www.example.org", "TXT", ecs: subnet).EcsScope);
    }

    [Theory]
    [InlineData("192.0.2.0/24", "198.51.100.1")]    // London: Frankfurt is nearest
    [InlineData("198.51.100.0/24", "203.0.113.1")]  // Washington: Virginia
    [InlineData("203.0.113.0/24", "192.0.2.1")]     // Tokyo: Singapore
    [InlineData("10.0.0.0/8", "198.51.100.1")]      // unknown: the first member that is up
    public void Nearest_DataCentreClosestToClient(string subnet, string expected)
    {
        var city = Database("city.mmdb", new MmdbWriter()
            .Insert("192.0.2.0/24", TestGeo.City("GB", "EU", "London", 51.51, -0.13))
            .Insert("198.51.100.0/24", TestGeo.City("US", "NA", "Washington", 38.90, -77.04))
            .Insert("203.0.113.0/24", TestGeo.City("JP", "AS", "Tokyo", 35.68, 139.69)));
        using var folder = Load("""
            static readonly Pool<Answer> Sites = Pool.Located(
                (Answer.Address("198.51.100.1"), "fra", 50.11, 8.68),
                (Answer.Address("203.0.113.1"), "iad", 38.95, -77.45),
                (Answer.Address("192.0.2.1"), "sin", 1.35, 103.99)).WhenAllDown(Answer.ServFail);
            return Sites.Nearest(ctx);
            """, city);

        var result = folder.Query("www.example.org", ecs: subnet);

        Assert.Equal([$"www.example.org. 60 IN A {expected}"], result.Answer);
    }

    [Fact]
    public void DistanceKm_GreatCircle()
    {
        var london = new Scriptable.Policies.GeoPoint(51.5074, -0.1278);
        var paris = new Scriptable.Policies.GeoPoint(48.8566, 2.3522);

        Assert.InRange(london.DistanceKm(paris), 340, 346);
        Assert.Equal(0, paris.DistanceKm(paris), 6);
    }
}
