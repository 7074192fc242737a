using Scriptable.Engine.Geo;
using Scriptable.Engine.Health;
using Scriptable.Testing;

namespace Scriptable.Policies.Tests;

/// <summary>
/// "Why did Paris get the US pool": when someone asks why, each pool a policy asks says how it picked, through
/// the testing kit (and so <c>scriptable query</c> and fixtures), for the examples' pools.
/// </summary>
public sealed class PoolPicksExplainedTests
{
    private static Dictionary<string, HealthState> Down(params string[] checks) => checks.ToDictionary(c => c, _ => HealthState.Down);

    private static string Picks(string example, string name, GeoFacts? geo = null, Dictionary<string, HealthState>? health = null, string? ecs = null,
        Dictionary<string, HealthOverrideKind>? overrides = null)
    {
        using var folder = PoliciesFolder.Load(DefaultPoliciesTests.RepositoryPath(Path.Combine("examples", example)));
        var result = folder.Query(name, "A", geo: geo, health: health, ecs: ecs, overrides: overrides);
        return string.Join("\n", result.Why.Split("; ").Where(part => part.StartsWith("pool.", StringComparison.Ordinal)));
    }

    [Fact]
    public void First_SaysWhichChecksWereDownAndWhichMemberWon()
    {
        Assert.Equal("pool.First over [#1 eu down, #2 na unknown]: #2 (na)", Picks("geo-failover", "www.example.com", new GeoFacts(Country: "FR"), Down("eu")));
        Assert.Equal("pool.First over [#1 eu draining, #2 na unknown]: #2 (na)", Picks("geo-failover", "www.example.com", new GeoFacts(Country: "FR"), overrides: new() { ["eu"] = HealthOverrideKind.Drain }));
        Assert.Equal("pool.First over [#1 eu up, #2 na unknown]: #1 (eu)", Picks("geo-failover", "www.example.com", new GeoFacts(Country: "FR"), new() { ["eu"] = HealthState.Up }));
    }

    [Fact]
    public void NoPoolAsked_NoPick()
    {
        Assert.Equal("", Picks("geo-failover", "www.example.com", new GeoFacts(Country: "US")));
    }

    [Fact]
    public void AllDown_SaysWhatAnsweredInstead()
    {
        Assert.Equal(
            "pool.First over [#1 primary down, #2 secondary down]: all down, so the WhenAllDown value",
            Picks("failover-chain", "www.example.com", health: Down("primary", "secondary")));
        Assert.EndsWith(
            ", all down so health is ignored",
            Picks("round-robin", "pool.example.com", health: Down("web1", "web2", "web3")),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Nearest_WithAndWithoutALocation()
    {
        Assert.Equal(
            "pool.Nearest over [#1 fra down, #2 iad unknown, #3 sin unknown, #4 gru unknown]: #2 (iad)",
            Picks("nearest-datacentre", "www.example.com", new GeoFacts(Latitude: 51.51, Longitude: -0.09), Down("fra")));
        Assert.Equal(
            "pool.Nearest (client location unknown: the first up) over [#1 fra unknown, #2 iad unknown, #3 sin unknown, #4 gru unknown]: #1 (fra)",
            Picks("nearest-datacentre", "www.example.com", new GeoFacts(Country: "GB")));
    }

    [Fact]
    public void Sticky_NamesTheMemberItsSubnetHashesTo()
    {
        Assert.Matches(@"^pool\.Sticky over \[#1, #2\]: #[12]$", Picks("weighted-canary", "api.example.com", ecs: "10.14.52.0/24"));
    }
}
