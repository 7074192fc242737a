using System.Diagnostics;
using System.Net;
using Scriptable.TestCommon;
using Xunit.Abstractions;
using static Scriptable.Server.IntegrationTests.Cluster.ClusterTests;

namespace Scriptable.Server.IntegrationTests.Cluster;

/// <summary>
/// Three nodes on a three-member etcd (<see cref="ThreeMemberEtcd"/>): killing the etcd leader changes nothing
/// served, and the next override works once the other two have elected a leader, on every node within a second.
/// </summary>
public sealed class EtcdFailoverTests(ThreeMemberEtcd etcd, ITestOutputHelper output) : IClassFixture<ThreeMemberEtcd>
{
    [ToolFact("etcd", "etcd-server", "etcdctl", "etcd-client")]
    public async Task LeaderKilled_NothingServedChanges_NextOverrideWorksAfterReelection()
    {
        await using var backend = new TestHttpServer();
        using var folder = NewFolder(backend, "majority");
        var name = NewName();
        var nodes = new List<TestServer>();
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                nodes.Add(await TestServer.StartInFolderAsync(folder.Path, o => Configure(o, [.. etcd.Urls], name, $"{name}-{i}")));
            }

            await WaitForClusterAsync(nodes[0], c => c.GetProperty("nodes").GetArrayLength() == 3, "three nodes listed");
            using (var put = await PutOverrideAsync(nodes[0], "{\"state\":\"drain\"}"))
            {
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            }

            await WaitForAnswerAsync([.. nodes], Down, TimeSpan.FromSeconds(1), "the drain");

            var leader = await etcd.KillLeaderAsync();
            output.WriteLine($"killed the leader {leader}");

            // Nothing served changes while the others elect a leader and the nodes move to them.
            for (var round = 0; round < 5; round++)
            {
                foreach (var node in nodes)
                {
                    Assert.Equal(Down, await AnswerAsync(node));
                }

                await Task.Delay(100);
            }

            // The next override: refused (503) at most while there is no leader, then taken, and served everywhere.
            var watch = Stopwatch.StartNew();
            while (true)
            {
                using var delete = await Http.DeleteAsync(new Uri(nodes[1].Admin!, "health/eu/override"));
                if (delete.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }

                Assert.True(delete.StatusCode == HttpStatusCode.ServiceUnavailable, $"{delete.StatusCode}: {await delete.Content.ReadAsStringAsync()}");
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "no override taken 10 s after the leader was killed: " + await delete.Content.ReadAsStringAsync());
                await Task.Delay(100);
            }

            output.WriteLine($"override taken {watch.ElapsedMilliseconds} ms after the leader was killed");
            await WaitForAnswerAsync([.. nodes], Up, TimeSpan.FromSeconds(1), "the clear after re-election");
            foreach (var node in nodes)
            {
                await WaitForClusterAsync(node, c => c.GetProperty("etcd").GetString() == "connected" && c.GetProperty("nodes").GetArrayLength() == 3, "connected after re-election");
            }
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }
}
