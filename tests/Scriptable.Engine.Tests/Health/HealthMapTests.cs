using Scriptable.Policies;

namespace Scriptable.Engine.Tests.Health;

public sealed class HealthMapTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    [Fact]
    public void IsUp_ByState()
    {
        var map = new HealthMap([
            KeyValuePair.Create("up", new HealthStatus(HealthState.Up, At)),
            KeyValuePair.Create("down", new HealthStatus(HealthState.Down, At)),
            KeyValuePair.Create("draining", new HealthStatus(HealthState.Draining, At) { Overridden = true, Reason = "drained by an operator" }),
            KeyValuePair.Create("unknown", new HealthStatus(HealthState.Unknown, At)),
        ]);

        Assert.Equal([true, false, false, true, true], new[] { "up", "down", "draining", "unknown", "absent" }.Select(map.IsUp));
        Assert.True(map.IsDown("draining"));
        Assert.Equal("drained by an operator", map["draining"].Reason);
        Assert.Equal(default, map["absent"]);
        Assert.Equal(4, map.Count);
        Assert.True(map.Contains("unknown"));
        Assert.False(map.Contains("absent"));
        Assert.Equal(["down", "draining", "unknown", "up"], map.Checks.Order());
    }

    [Fact]
    public void Lookup_AllocatesNothing()
    {
        var map = new HealthMap(Enumerable.Range(0, 1000).Select(i => KeyValuePair.Create("c" + i, new HealthStatus(i % 2 == 0 ? HealthState.Up : HealthState.Down, At))));
        var up = 0;
        map.IsUp("c1");
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            up += map.IsUp("c500") ? 1 : 0;
            up += map["c501"].IsUp ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1000, up);
    }
}
