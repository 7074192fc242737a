using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Zones;
using Scriptable.Policies;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.PolicyApi;

public sealed class PoolTests
{
    private static readonly Zone s_zone = TestZones.Example();

    /// <summary>A context as the runner prepares it, for a client (ECS optional) and a health map.</summary>
    private static PolicyContext Context(string client = "192.0.2.99", string? ecs = null, params (string Check, HealthState State)[] health)
    {
        var query = RawQuery.Build("www.example.org", Engine.Protocol.RecordType.A, edns: ecs is null ? null : new Edns(1232, Options: [RawQuery.Ecs(ecs)]));
        var context = new QueryContext();
        context.Reset(query, 0, query.Length, DnsTransport.Udp);
        context.SetClient(System.Net.IPAddress.Parse(client).GetAddressBytes(), 5353);
        Assert.Equal(StageResult.Continue, new Engine.Pipeline.Stages.ParseStage().Invoke(context));
        Assert.Equal(StageResult.Continue, new Engine.Pipeline.Stages.EnrichStage().Invoke(context));
        var map = new HealthMap(health.Select(h => KeyValuePair.Create(h.Check, new HealthStatus(h.State, DateTimeOffset.UnixEpoch))));
        context.PolicyContext.Reset(context, s_zone, null, map, TimeProvider.System);
        return context.PolicyContext;
    }

    [Fact]
    public void First_SkipsDownMembers_InOrder()
    {
        var pool = Pool.Of(("a", "ca"), ("b", "cb"), ("c", "cc")).WhenAllDown("none");

        Assert.Equal("a", pool.First(Context()));
        Assert.Equal("b", pool.First(Context(health: ("ca", HealthState.Down))));
        Assert.Equal("c", pool.First(Context(health: [("ca", HealthState.Down), ("cb", HealthState.Down)])));
    }

    [Fact]
    public void Picked_RecordsThePickForDnstapAndTheQueryLog()
    {
        var pool = Pool.Of(("a", "ca"), ("b", "cb")).WhenAllDown("none");
        var unguarded = Pool.Weighted(("x", 1.0), ("y", 1.0));

        var up = Context();
        Assert.Null(up.Source.PolicyPick);
        pool.First(up);
        Assert.Equal("ca", up.Source.PolicyPick);
        var down = Context(health: [("ca", HealthState.Down), ("cb", HealthState.Down)]);
        pool.First(down);
        Assert.Equal("all-down", down.Source.PolicyPick);
        var other = Context();
        Assert.Equal(unguarded.Next(other) == "x" ? "#1" : "#2", other.Source.PolicyPick);
    }

    [Fact]
    public void AllDown_FallbackOrIgnoreHealth_AsChosen()
    {
        var down = Context(health: [("ca", HealthState.Down), ("cb", HealthState.Down)]);
        var fallback = Pool.Of(("a", "ca"), ("b", "cb")).WhenAllDown("fallback");
        var ignore = Pool.Of(("a", "ca"), ("b", "cb")).WhenAllDownIgnoreHealth();

        Assert.True(fallback.AllDown(down));
        Assert.Equal("fallback", fallback.First(down));
        Assert.Equal("fallback", fallback.Random(down));
        Assert.Equal("fallback", fallback.Sticky(down));
        Assert.Equal("fallback", fallback.Next(down));
        Assert.Equal("a", ignore.First(down));
        Assert.Contains(ignore.Random(down), new[] { "a", "b" });
    }

    [Fact]
    public void Random_FollowsWeights()
    {
        var pool = Pool.Weighted(("a", 90.0), ("b", 10.0));
        var ctx = Context();
        var b = 0;
        for (var i = 0; i < 20_000; i++)
        {
            b += pool.Random(ctx) == "b" ? 1 : 0;
        }

        // 10% of 20,000 is 2,000; 4 standard deviations is 170.
        Assert.InRange(b, 2000 - 170, 2000 + 170);
    }

    [Fact]
    public void Sticky_SameSubnetSameMember_WeightsFinerThanOnePercent()
    {
        var pool = Pool.Weighted(("stable", 99.8), ("canary", 0.2));
        var canary = 0;
        for (var n = 0; n < 50_000; n++)
        {
            var subnet = $"10.{n >> 8 & 255}.{n & 255}.0/24";
            var ecs = $"{(n >> 16) + 10}.{n >> 8 & 255}.{n & 255}.0/24";
            var pick = pool.Sticky(Context(ecs: ecs));
            canary += pick == "canary" ? 1 : 0;
            if (n % 1000 == 0)
            {
                Assert.Equal(pick, pool.Sticky(Context(client: "198.51.100.7", ecs: ecs)));
            }
        }

        // 0.2% of 50,000 is 100; 4 standard deviations is 40.
        Assert.InRange(canary, 100 - 40, 100 + 40);
    }

    [Fact]
    public void Sticky_WeightChange_MovesOnlyTheClientsItMust()
    {
        var before = Pool.Weighted(("stable", 99.0), ("canary", 1.0));
        var after = Pool.Weighted(("stable", 95.0), ("canary", 5.0));
        var moved = 0;
        var backwards = 0;
        for (var n = 0; n < 20_000; n++)
        {
            var ecs = $"10.{n >> 8 & 255}.{n & 255}.0/24";
            var old = before.Sticky(Context(ecs: ecs));
            var now = after.Sticky(Context(ecs: ecs));
            moved += old != now ? 1 : 0;
            backwards += old == "canary" && now == "stable" ? 1 : 0;
        }

        // Widening the canary only moves clients onto it (~4% of them), never off it.
        Assert.Equal(0, backwards);
        Assert.InRange(moved, 800 - 120, 800 + 120);
    }

    [Fact]
    public void Sticky_MemberDown_OnlyItsClientsMove()
    {
        var pool = Pool.Of(("a", "ca"), ("b", "cb"), ("c", "cc")).WhenAllDownIgnoreHealth();
        for (var n = 0; n < 3000; n++)
        {
            var ecs = $"10.0.{n >> 8 & 255}.{n & 255}/32";
            var all = pool.Sticky(Context(ecs: ecs));
            var withoutB = pool.Sticky(Context(ecs: ecs, health: ("cb", HealthState.Down)));
            if (all != "b")
            {
                Assert.Equal(all, withoutB);
            }
            else
            {
                Assert.NotEqual("b", withoutB);
            }
        }
    }

    [Fact]
    public void Next_RoundRobinOverUpMembers()
    {
        var pool = Pool.Of(("a", "ca"), ("b", "cb"), ("c", "cc")).WhenAllDown("none");
        var ctx = Context(health: ("cb", HealthState.Down));

        var picks = Enumerable.Range(0, 6).Select(_ => pool.Next(ctx)).ToList();

        Assert.Equal(3, picks.Count(p => p == "a"));
        Assert.Equal(3, picks.Count(p => p == "c"));
        Assert.NotEqual(picks[0], picks[1]);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Weighted_BadWeight_Rejected(double weight)
    {
        Assert.Throws<ArgumentException>(() => Pool.Weighted(("a", 1.0), ("b", weight)));
    }

    [Fact]
    public void Of_Empty_Rejected()
    {
        Assert.Throws<ArgumentException>(() => Pool.Of(Array.Empty<string>()));
    }
}
