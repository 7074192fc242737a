using Scriptable.Server.Cluster;

namespace Scriptable.Server.IntegrationTests.Cluster;

public sealed class RendezvousTests
{
    private static readonly string[] Nodes = ["ns1", "ns2", "ns3"];

    [Fact]
    public void Choose_SameNamesAnyOrder_SameNodes()
    {
        for (var i = 0; i < 100; i++)
        {
            var chosen = Rendezvous.Choose($"c{i}", Nodes, 2);

            Assert.Equal(2, chosen.Count);
            Assert.True(chosen.SetEquals(Rendezvous.Choose($"c{i}", Nodes.Reverse(), 2)));
        }
    }

    [Fact]
    public void Choose_OneOfThree_SpreadsAndANodeLeavingMovesOnlyItsChecks()
    {
        var before = Enumerable.Range(0, 1000).ToDictionary(i => i, i => Rendezvous.Choose($"c{i}", Nodes, 1).Single());
        var after = Enumerable.Range(0, 1000).ToDictionary(i => i, i => Rendezvous.Choose($"c{i}", ["ns1", "ns3"], 1).Single());

        Assert.All(Nodes, n => Assert.InRange(before.Values.Count(v => v == n), 250, 420));
        Assert.All(before.Where(b => b.Value != "ns2"), b => Assert.Equal(b.Value, after[b.Key]));
    }

    [Fact]
    public void Choose_MoreThanLive_All() => Assert.Equal(3, Rendezvous.Choose("eu", Nodes, 5).Count);
}
