using Scriptable.Engine.Health;
using Scriptable.Policies;

namespace Scriptable.Engine.Tests.Health;

public sealed class HealthVoteTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("one", 3, 1)]
    [InlineData("majority", 3, 2)]
    [InlineData("majority", 4, 3)]
    [InlineData("majority", 1, 1)]
    [InlineData("all", 3, 3)]
    [InlineData("2", 3, 2)]
    [InlineData("5", 3, 3)]
    public void Required_ByQuorum_CountsObservers(string text, int observers, int required)
    {
        Assert.True(HealthQuorum.TryParse(text, out var quorum));

        Assert.Equal(required, quorum.Required(observers));
        Assert.Equal(text == "5" ? "5" : text, quorum.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("most")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1001")]
    public void TryParse_Bad_False(string text) => Assert.False(HealthQuorum.TryParse(text, out _));

    [Theory]
    [InlineData("majority", 1, HealthState.Up)]
    [InlineData("majority", 2, HealthState.Down)]
    [InlineData("one", 1, HealthState.Down)]
    [InlineData("all", 2, HealthState.Up)]
    [InlineData("all", 3, HealthState.Down)]
    public void Decide_DownObservers_ByQuorum(string text, int down, HealthState expected)
    {
        HealthQuorum.TryParse(text, out var quorum);
        var observations = new List<HealthObservation>();
        for (var i = 3; i >= 1; i--)
        {
            observations.Add(new HealthObservation($"ns{i}", i <= down ? HealthState.Down : HealthState.Up, T0.AddSeconds(i), i <= down ? "timeout" : "HTTP 200"));
        }

        var vote = HealthVote.Decide(quorum, observations)!;

        Assert.Equal(expected, vote.State);
        Assert.Equal(down, vote.Down);
        Assert.Equal(3, vote.Observers);
    }

    [Fact]
    public void Decide_Text_ListsEveryObserverInOrder()
    {
        var vote = HealthVote.Decide(HealthQuorum.Majority,
        [
            new HealthObservation("ns3", HealthState.Up, T0, "HTTP 200"),
            new HealthObservation("ns1", HealthState.Down, T0.AddSeconds(5), "connection refused"),
            new HealthObservation("ns2", HealthState.Down, T0.AddSeconds(7), "timeout after 2 s"),
        ])!;

        Assert.Equal("down (2 of 3, quorum majority: ns1 down 'connection refused', ns2 down 'timeout after 2 s', ns3 up)", vote.Text);
        Assert.Equal(T0.AddSeconds(7), vote.Since);
    }

    [Fact]
    public void Decide_NoObservers_Null() => Assert.Null(HealthVote.Decide(HealthQuorum.Majority, []));
}
