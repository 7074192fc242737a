using System.Net;
using System.Net.Sockets;
using System.Text;
using Scriptable.Server.Configuration;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// <c>scriptable query --live</c>: the health states a running server sees, read from its admin endpoint, so the
/// dry run answers as that server would now (checks probing a real TCP listener; an operator's override).
/// </summary>
public sealed class QueryLiveTests
{
    private const string Policy = """
        static readonly Pool<Answer> EuropeFirst = Pool.Of((Answer.Address("198.51.100.20"), "eu"), (Answer.Address("192.0.2.10"), "na")).WhenAllDown(Answer.Static);
        return EuropeFirst.First(ctx);
        """;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Live_OverrideOnTheServer_QueryAnswersAsTheServerWould()
    {
        using var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        var port = ((IPEndPoint)backend.LocalEndpoint).Port;
        var health = $$"""
            defaults: { interval: 200ms, timeout: 150ms, rise: 1, fall: 1 }
            checks:
              eu: { tcp: 127.0.0.1:{{port}} }
              na: { tcp: 127.0.0.1:{{port}} }
            """;
        await using var server = await TestServer.StartWithFilesAsync(
            [("example.org/www.csx", Policy), ("health.yaml", health)],
            o => o.Admin = new AdminConfig { Listen = "127.0.0.1:0" });
        await WaitForStatesAsync(server, "\"name\":\"eu\"", "\"state\":\"up\"");

        // Both up: Europe, and the WHY says the states came from the server.
        var (exit, output) = await ServerProcess.RunAsync(server.Policies, "query", "www.example.org", "--policies", server.Policies, "--live", server.Admin!.ToString());
        Assert.True(exit == 0, output);
        Assert.Matches(@"(?m)^www\.example\.org\.\t\d+\tIN\tA\t198\.51\.100\.20$", output);
        Assert.Contains(";; health: eu up (live), na up (live)", output, StringComparison.Ordinal);

        // An operator drains eu on the server: the dry run follows, and a stated state still wins.
        using var put = await Http.PutAsync(new Uri(server.Admin, "health/eu/override"), new StringContent("{\"state\": \"drain\"}", Encoding.UTF8, "application/json"));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        (exit, output) = await ServerProcess.RunAsync(server.Policies, "query", "www.example.org", "--policies", server.Policies, "--live", server.Admin.ToString());
        Assert.True(exit == 0, output);
        Assert.Matches(@"(?m)^www\.example\.org\.\t\d+\tIN\tA\t192\.0\.2\.10$", output);
        Assert.Contains("eu draining (live)", output, StringComparison.Ordinal);
        Assert.Contains(";; pool.First over [#1 eu draining, #2 na up]: #2 (na)", output, StringComparison.Ordinal);

        (exit, output) = await ServerProcess.RunAsync(server.Policies, "query", "www.example.org", "--policies", server.Policies, "--live", server.Admin.ToString(), "--health", "eu=up");
        Assert.True(exit == 0, output);
        Assert.Matches(@"(?m)^www\.example\.org\.\t\d+\tIN\tA\t198\.51\.100\.20$", output);
        Assert.Contains(";; health: eu up (stated), na up (live)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Live_NothingListening_OneLineErrorExitTwo()
    {
        var port = FreePorts.Next();
        var (exit, output) = await ServerProcess.RunAsync(RepositoryPaths.Root, "query", "www.example.com", "--policies", "examples/geo-failover", "--live", $"127.0.0.1:{port}");
        Assert.Equal(2, exit);
        Assert.Contains($"scriptable: --live: http://127.0.0.1:{port}/health could not be read: ", output, StringComparison.Ordinal);
    }

    private static async Task WaitForStatesAsync(TestServer server, params string[] fragments)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            last = await Http.GetStringAsync(new Uri(server.Admin!, "health"));
            if (fragments.All(f => last.Replace(" ", "", StringComparison.Ordinal).Contains(f, StringComparison.Ordinal)) && !last.Contains("\"state\":\"unknown\"", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("the checks never came up: " + last);
    }
}
