using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Scriptable.Engine.Protocol;
using Scriptable.Server.Configuration;
using Scriptable.TestCommon;
using Xunit.Abstractions;

namespace Scriptable.Server.IntegrationTests.Cluster;

/// <summary>
/// Three in-process nodes sharing one policies folder and one real etcd (<see cref="EtcdServer"/>): membership in
/// <c>/cluster</c>; a drain through one node changes the answers of all three within a second and survives the restart
/// of every node; with etcd stopped every node keeps serving and an override gets a 503, and they converge when it is
/// back; a backend failing only for one node's probes flips no answer with quorum majority and every answer with one.
/// Each test uses a cluster name of its own, so the tests share the etcd and not their keys.
/// </summary>
public sealed class ClusterTests(EtcdServer etcd, ITestOutputHelper output) : IClassFixture<EtcdServer>
{
    internal const string Up = "192.0.2.1";
    internal const string Down = "192.0.2.2";
    internal static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private const string Policy = """
        // scriptable: fallback=static
        static readonly Answer Healthy = Answer.Address("192.0.2.1");
        static readonly Answer Failed = Answer.Address("192.0.2.2");
        if (ctx.Query.Type is not DnsType.A) return Answer.Static;
        return ctx.Health.IsUp("eu") ? Healthy : Failed;
        """;

    [ToolFact("etcd", "etcd-server")]
    public async Task DrainThroughOneNode_AllThreeWithinASecond_ListedInCluster_SurvivesRestartOfEveryNode()
    {
        await using var backend = new TestHttpServer();
        using var folder = NewFolder(backend, "majority");
        var name = NewName();
        var nodes = await StartNodesAsync(folder, name);
        try
        {
            // Membership: every node lists all three, with the same policies hash, no drift.
            var cluster = await WaitForClusterAsync(nodes[0], c => c.GetProperty("nodes").GetArrayLength() == 3, "three nodes listed");
            Assert.Equal("connected", cluster.GetProperty("etcd").GetString());
            Assert.Equal(0, cluster.GetProperty("drift").GetInt32());
            var hashes = cluster.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("policiesHash").GetString()).Distinct().ToList();
            Assert.Single(hashes);
            Assert.Matches("^[0-9a-f]{16}$", hashes[0]);
            Assert.Equal([$"{name}-1", $"{name}-2", $"{name}-3"], cluster.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("node").GetString()));
            Assert.All(cluster.GetProperty("nodes").EnumerateArray(), n => Assert.True(n.GetProperty("lastHeardSecondsAgo").GetDouble() < 5));
            foreach (var node in nodes)
            {
                Assert.Equal(Up, await AnswerAsync(node));
            }

            // scriptable cluster status reads the same from a node's admin endpoint.
            var (exit, text) = ClusterStatus(nodes[0]);
            Assert.True(exit == 0, text);
            Assert.Contains($"as node '{name}-1' sees it: etcd connected since ", text, StringComparison.Ordinal);
            Assert.Contains("; 3 nodes, 0 drifting", text, StringComparison.Ordinal);
            Assert.Contains($"{name}-1 (this)", text, StringComparison.Ordinal);

            // A fourth node serving another folder (one file more) drifts: in /cluster, the log, the metric and the command.
            using (var other = NewFolder(backend, "majority"))
            {
                other.Write("example.org/extra.csx", "return Answer.Address(\"192.0.2.9\");");
                await using var fourth = await TestServer.StartInFolderAsync(other.Path, o => Configure(o, name, $"{name}-4"));
                var drifted = await WaitForClusterAsync(nodes[0], c => c.GetProperty("drift").GetInt32() == 1, "node 4 drifting");
                Assert.True(drifted.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("node").GetString() == $"{name}-4").GetProperty("drift").GetBoolean());
                Assert.Single(nodes[0].Logs.Messages, m => m.Contains($"Node '{name}-4' serves a policies folder with hash", StringComparison.Ordinal));
                Assert.Contains("scriptable_cluster_drift 1", await Http.GetStringAsync(new Uri(nodes[0].Admin!, "metrics")), StringComparison.Ordinal);
                (exit, text) = ClusterStatus(nodes[0]);
                Assert.True(exit == 1, text);
                Assert.Contains(" DRIFT", text, StringComparison.Ordinal);
            }

            // A drain through node 1: all three answer the drained state within a second.
            var watch = Stopwatch.StartNew();
            using (var put = await PutOverrideAsync(nodes[0], "{\"state\":\"drain\",\"reason\":\"maintenance\"}"))
            {
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            }

            await WaitForAnswerAsync(nodes, Down, TimeSpan.FromSeconds(1), "the drain through node 1");
            output.WriteLine($"drain through node 1 served by all three after {watch.ElapsedMilliseconds} ms");

            // Every node restarts (new state directories: nothing kept locally): the drain holds from the first answer.
            await DisposeAllAsync(nodes);
            nodes = await StartNodesAsync(folder, name);
            foreach (var node in nodes)
            {
                Assert.Equal(Down, await AnswerAsync(node));
            }

            var health = await GetJsonAsync(nodes[1], "health");
            Assert.Equal("maintenance", health.GetProperty("overrides").GetProperty("eu").GetProperty("reason").GetString());
            Assert.Equal($"etcd /{name}/overrides/", health.GetProperty("overridesStore").GetString());

            // Cleared through node 2: all three back.
            using (var delete = await Http.DeleteAsync(new Uri(nodes[1].Admin!, "health/eu/override")))
            {
                Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
            }

            await WaitForAnswerAsync(nodes, Up, TimeSpan.FromSeconds(1), "the clear through node 2");

            // A node that stops leaves the list at once (its lease is revoked).
            await nodes[2].DisposeAsync();
            nodes = nodes[..2];
            await WaitForClusterAsync(nodes[0], c => c.GetProperty("nodes").GetArrayLength() == 2, "node 3 gone");
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    [ToolFact("etcd", "etcd-server")]
    public async Task EtcdStopped_EveryNodeServes_OverrideGets503_ConvergesWhenBack()
    {
        await using var backend = new TestHttpServer();
        using var folder = NewFolder(backend, "majority");
        var nodes = await StartNodesAsync(folder, NewName());
        try
        {
            await WaitForClusterAsync(nodes[0], c => c.GetProperty("nodes").GetArrayLength() == 3, "three nodes listed");
            etcd.Stop();
            try
            {
                foreach (var node in nodes)
                {
                    var cluster = await WaitForClusterAsync(node, c => c.GetProperty("etcd").GetString() == "unreachable", "etcd seen unreachable");
                    Assert.False(string.IsNullOrEmpty(cluster.GetProperty("error").GetString()));
                    Assert.Equal(Up, await AnswerAsync(node));
                }

                using var put = await PutOverrideAsync(nodes[1], "{\"state\":\"down\"}");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
                Assert.Contains("etcd is unreachable", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                Assert.Empty((await GetJsonAsync(nodes[1], "health")).GetProperty("overrides").EnumerateObject());
                Assert.All(nodes, n => Assert.Single(n.Logs.Messages, m => m.Contains("is unreachable", StringComparison.Ordinal)));
                Assert.Contains("scriptable_cluster_connected 0", await Http.GetStringAsync(new Uri(nodes[0].Admin!, "metrics")), StringComparison.Ordinal);
            }
            finally
            {
                etcd.Start();
            }

            foreach (var node in nodes)
            {
                await WaitForClusterAsync(node, c => c.GetProperty("etcd").GetString() == "connected" && c.GetProperty("nodes").GetArrayLength() == 3, "back in the cluster");
            }

            using (var put = await PutOverrideAsync(nodes[2], "{\"state\":\"down\",\"expires\":\"1h\"}"))
            {
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            }

            await WaitForAnswerAsync(nodes, Down, TimeSpan.FromSeconds(1), "an override after etcd came back");
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    [ToolFact("etcd", "etcd-server")]
    public async Task BackendFailingForOneNode_MajorityFlipsNoAnswer_OneFlipsAll_VoteShown()
    {
        var name = NewName();
        await using var backend = new TestHttpServer(r => r.UserAgent?.Contains($"(node {name}-3)", StringComparison.Ordinal) == true ? new TestResponse(503, "down") : TestResponse.Ok);
        using var folder = NewFolder(backend, "majority");
        var nodes = await StartNodesAsync(folder, name);
        try
        {
            // Node 3 sees eu down by its own probes; the vote (1 of 3 down) keeps it up everywhere.
            var vote = await WaitForVoteAsync(nodes[2], v => v.Contains($"{name}-3 down 'HTTP 503", StringComparison.Ordinal) && v.Contains("of 3", StringComparison.Ordinal), "node 3's own view in the vote");
            output.WriteLine(vote);
            Assert.StartsWith("up (2 of 3, quorum majority: ", vote, StringComparison.Ordinal);
            var eu = (await GetJsonAsync(nodes[2], "health")).GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "eu");
            Assert.Equal("down", eu.GetProperty("checkState").GetString());
            Assert.Equal("up", eu.GetProperty("state").GetString());
            for (var round = 0; round < 3; round++)
            {
                foreach (var node in nodes)
                {
                    Assert.Equal(Up, await AnswerAsync(node));
                }

                await Task.Delay(200);
            }

            // quorum: one: node 3's view is enough, on every node.
            File.WriteAllText(Path.Combine(folder.Path, "health.yaml"), HealthYaml(backend, "one"));
            await WaitForAnswerAsync(nodes, Down, TimeSpan.FromSeconds(10), "quorum one");
            vote = await WaitForVoteAsync(nodes[0], v => v.StartsWith("down (1 of 3, quorum one: ", StringComparison.Ordinal), "the vote on node 1");
            Assert.Contains($"{name}-1 up, {name}-2 up, {name}-3 down 'HTTP 503", vote, StringComparison.Ordinal);
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    [ToolFact("etcd", "etcd-server")]
    public async Task SharedProbing_ProbersOne_EachBackendProbedByOneNode_HandedOverWhenItsNodeLeaves()
    {
        await using var backend = new TestHttpServer();
        using var folder = NewFolder(backend, "majority");
        var checks = string.Join("\n", Enumerable.Range(0, 12).Select(i => $"  {(i == 0 ? "eu" : $"c{i}")}: {{ http: \"{backend.Url}?c={(i == 0 ? "eu" : $"c{i}")}\" }}"));
        folder.Write("health.yaml", $"defaults: {{ interval: 300ms, timeout: 250ms, rise: 1, fall: 2, probers: 1 }}\nchecks:\n{checks}\n");
        var name = NewName();
        var nodes = await StartNodesAsync(folder, name);
        try
        {
            foreach (var node in nodes)
            {
                await WaitForClusterAsync(node, c => c.GetProperty("nodes").GetArrayLength() == 3, "three nodes listed");
            }

            // Once every node knows the others: each backend sees the probes of one node only, and the nodes share them.
            await Task.Delay(1000);
            var probers = await ProbersAsync(backend, TimeSpan.FromSeconds(1.5));
            Assert.Equal(12, probers.Count);
            Assert.All(probers, p => Assert.True(p.Value.Count == 1, $"{p.Key} probed by {string.Join(", ", p.Value)}"));
            Assert.True(probers.Values.Select(p => p.Single()).Distinct().Count() >= 2, "every check went to one node");
            var vote = await WaitForVoteAsync(nodes[0], v => v.StartsWith("up (1 of 1, quorum majority: ", StringComparison.Ordinal), "the one prober's vote");
            output.WriteLine(vote);

            // The node probing eu leaves: another takes it over at once (its lease revoked), well within a lease period.
            var leaving = probers["eu"].Single();
            var index = Enumerable.Range(0, 3).Single(i => leaving.EndsWith($"(node {name}-{i + 1})", StringComparison.Ordinal));
            await nodes[index].DisposeAsync();
            nodes = [.. nodes.Where((_, i) => i != index)];
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                var after = await ProbersAsync(backend, TimeSpan.FromMilliseconds(700));
                if (after.TryGetValue("eu", out var now) && now.Count == 1 && !now.Contains(leaving))
                {
                    output.WriteLine($"eu handed over from '{leaving}' to '{now.Single()}' within {watch.ElapsedMilliseconds} ms");
                    break;
                }

                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"eu not handed over: {string.Join(", ", after.GetValueOrDefault("eu") ?? [])}");
            }

            foreach (var node in nodes)
            {
                Assert.Equal(Up, await AnswerAsync(node));
            }
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    /// <summary>Which User-Agents (nodes) probed each check (by its <c>?c=</c>) during <paramref name="window"/> from now.</summary>
    private static async Task<Dictionary<string, HashSet<string>>> ProbersAsync(TestHttpServer backend, TimeSpan window)
    {
        var from = backend.Requests;
        await Task.Delay(window);
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var request in backend.Received.Where(r => r.Number > from))
        {
            var check = request.Path[(request.Path.IndexOf("?c=", StringComparison.Ordinal) + 3)..];
            if (!result.TryGetValue(check, out var agents))
            {
                result[check] = agents = new HashSet<string>(StringComparer.Ordinal);
            }

            agents.Add(request.UserAgent ?? "");
        }

        return result;
    }

    internal static string NewName() => "t" + Guid.NewGuid().ToString("N")[..8];

    private static string HealthYaml(TestHttpServer backend, string quorum) => $"""
        checks:
          eu: {"{"} http: "{backend.Url}", interval: 300ms, timeout: 250ms, rise: 1, fall: 2, quorum: {quorum} {"}"}
        """;

    internal static TempFolder NewFolder(TestHttpServer backend, string quorum)
    {
        var folder = new TempFolder();
        folder.Write("example.org/example.org.zone", TempFolder.ExampleZone);
        folder.Write("example.org/www.csx", Policy);
        folder.Write("health.yaml", HealthYaml(backend, quorum));
        return folder;
    }

    private async Task<TestServer[]> StartNodesAsync(TempFolder folder, string name)
    {
        var nodes = new TestServer[3];
        for (var i = 0; i < 3; i++)
        {
            var node = $"{name}-{i + 1}";
            nodes[i] = await TestServer.StartInFolderAsync(folder.Path, o => Configure(o, name, node));
        }

        return nodes;
    }

    private void Configure(ServerOptions options, string name, string node) => Configure(options, [etcd.Url], name, node);

    internal static void Configure(ServerOptions options, List<string> endpoints, string name, string node)
    {
        options.Admin = new AdminConfig { Listen = "127.0.0.1:0" };
        options.Policy.Trial.Enabled = false;
        options.Cluster = new Server.Cluster.ClusterConfig { Etcd = endpoints, Name = name, Node = node, LeaseSeconds = 3, TimeoutSeconds = 1 };
    }

    private static (int Exit, string Output) ClusterStatus(TestServer node)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = Cli.ClusterCommand.Run(node.Admin!.ToString(), null, output, errors);
        return (exit, output.ToString() + errors);
    }

    internal static async Task DisposeAllAsync(IEnumerable<TestServer> nodes)
    {
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }
    }

    internal static async Task<string> AnswerAsync(TestServer node)
    {
        var response = await node.UdpAsync(RawQuery.Build("www.example.org", RecordType.A), 2000);
        Assert.NotNull(response);
        return Responses.Parse(response).AnswerRecords.Single().ToString().Split(' ', '\t')[^1];
    }

    internal static async Task WaitForAnswerAsync(TestServer[] nodes, string expected, TimeSpan within, string what)
    {
        var watch = Stopwatch.StartNew();
        foreach (var node in nodes)
        {
            while (await AnswerAsync(node) != expected)
            {
                Assert.True(watch.Elapsed < within, $"{what}: node on port {node.Port} still not answering {expected} after {watch.ElapsedMilliseconds} ms\n{string.Join('\n', node.Logs.Messages)}");
                await Task.Delay(10);
            }
        }
    }

    internal static async Task<JsonElement> GetJsonAsync(TestServer node, string path) =>
        JsonDocument.Parse(await Http.GetStringAsync(new Uri(node.Admin!, path))).RootElement;

    internal static Task<HttpResponseMessage> PutOverrideAsync(TestServer node, string body) =>
        Http.PutAsync(new Uri(node.Admin!, "health/eu/override"), new StringContent(body, Encoding.UTF8, "application/json"));

    internal static async Task<JsonElement> WaitForClusterAsync(TestServer node, Func<JsonElement, bool> done, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var cluster = await GetJsonAsync(node, "cluster");
            if (done(cluster))
            {
                return cluster;
            }

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"{what}: /cluster says {cluster}\n{string.Join('\n', node.Logs.Messages)}");
            await Task.Delay(20);
        }
    }

    private static async Task<string> WaitForVoteAsync(TestServer node, Func<string, bool> done, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var eu = (await GetJsonAsync(node, "health")).GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "eu");
            var vote = eu.GetProperty("vote").GetString() ?? "";
            if (done(vote))
            {
                return vote;
            }

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"{what}: the vote is '{vote}'\n{string.Join('\n', node.Logs.Messages)}");
            await Task.Delay(20);
        }
    }
}
