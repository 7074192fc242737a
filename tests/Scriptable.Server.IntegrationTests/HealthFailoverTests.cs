using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Scriptable.Engine.Protocol;
using Scriptable.Server.Configuration;
using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;
using Xunit.Abstractions;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// The geo-failover example with its three real HTTP backends: Europe fails over to North America when
/// its backend fails, comes back after rise successes, and obeys operators' overrides, which survive a
/// restart. Checks probe every 500 ms here (the example's health.yaml, with the test backends' ports).
/// </summary>
public sealed class HealthFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Europe = "198.51.100.20";
    private const string NorthAmerica = "192.0.2.10";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly TestHttpServer _na = new();
    private readonly TestHttpServer _eu = new();
    private readonly TestHttpServer _other = new();
    private readonly TempFolder _folder = new();

    // One state directory for the class's servers: a restarted server finds the overrides its predecessor kept there.
    private readonly string _state = Directory.CreateTempSubdirectory("scriptable-kept-state-").FullName;
    private volatile bool _euUp = true;

    public Task InitializeAsync()
    {
        _eu.Handler = _ => _euUp ? TestResponse.Ok : new TestResponse(503, "down");
        var example = RepositoryPaths.Combine("examples", "geo-failover");
        _folder.Write("example.com/example.com.zone", File.ReadAllText(Path.Combine(example, "example.com", "example.com.zone")));
        _folder.Write("example.com/www.csx", File.ReadAllText(Path.Combine(example, "example.com", "www.csx")));
        _folder.Write("health.yaml", File.ReadAllText(Path.Combine(example, "health.yaml"))
            .Replace("interval: 2s, timeout: 1s", "interval: 500ms, timeout: 400ms", StringComparison.Ordinal)
            .Replace("127.0.0.1:5307", $"127.0.0.1:{_na.Port}", StringComparison.Ordinal)
            .Replace("127.0.0.1:5308", $"127.0.0.1:{_eu.Port}", StringComparison.Ordinal)
            .Replace("127.0.0.1:5309", $"127.0.0.1:{_other.Port}", StringComparison.Ordinal));
        Directory.CreateDirectory(Path.Combine(_folder.Path, "_geo"));
        TestGeo.CityTestLike().Write(Path.Combine(_folder.Path, "_geo", "city.mmdb"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _na.DisposeAsync();
        await _eu.DisposeAsync();
        await _other.DisposeAsync();
        _folder.Dispose();
        Directory.Delete(_state, recursive: true);
    }

    private Task<TestServer> StartAsync() => TestServer.StartInFolderAsync(_folder.Path, o =>
    {
        o.Admin = new AdminConfig { Listen = "127.0.0.1:0" };
        o.RescanSeconds = 60;
        o.StateDirectory = _state;
    });

    private static async Task<string> EuropeanClientGetsAsync(TestServer server)
    {
        var query = RawQuery.Build("www.example.com", RecordType.A, edns: new Edns(1232, Options: [RawQuery.Ecs("81.2.69.160/27")]));
        var response = await server.UdpAsync(query, 2000);
        Assert.NotNull(response);
        return Responses.Parse(response).AnswerRecords.Single().ToString().Split(' ', '\t')[^1];
    }

    private async Task<TimeSpan> WaitForAsync(TestServer server, string expected, string what)
    {
        var watch = Stopwatch.StartNew();
        while (await EuropeanClientGetsAsync(server) != expected)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"{what}: never answered {expected}\n{string.Join('\n', server.Logs.Messages)}");
            await Task.Delay(20);
        }

        output.WriteLine($"{what}: {watch.Elapsed.TotalMilliseconds:F0} ms");
        return watch.Elapsed;
    }

    [Fact]
    public async Task EuropeanBackendFails_NorthAmericaThenBack()
    {
        await using var server = await StartAsync();
        Assert.Equal(Europe, await EuropeanClientGetsAsync(server));
        await TransportTests.WaitUntil(() => _eu.Requests >= 2, "the eu check probing", 10000);

        _euUp = false;
        await WaitForAsync(server, NorthAmerica, "failover (interval 500 ms x fall 2)");
        Assert.Contains(server.Logs.Messages, m => m.Contains("'eu'", StringComparison.Ordinal) && m.Contains("HTTP 503", StringComparison.Ordinal));

        _euUp = true;
        await WaitForAsync(server, Europe, "recovery (rise 2)");
    }

    [Fact]
    public async Task Override_ForcedDownThenCleared_AndSurvivesRestart()
    {
        await using (var server = await StartAsync())
        {
            Assert.Equal(Europe, await EuropeanClientGetsAsync(server));

            using var put = await Http.PutAsync(new Uri(server.Admin!, "health/eu/override"),
                new StringContent("{\"state\":\"down\",\"expires\":\"1h\",\"reason\":\"maintenance\"}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            await WaitForAsync(server, NorthAmerica, "forced down");

            var health = JsonDocument.Parse(await Http.GetStringAsync(new Uri(server.Admin!, "health"))).RootElement;
            var eu = health.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "eu");
            Assert.Equal("down", eu.GetProperty("state").GetString());
            Assert.Equal("up", eu.GetProperty("checkState").GetString());
            Assert.Equal("maintenance", eu.GetProperty("override").GetProperty("reason").GetString());
        }

        // A new server reads the overrides file, kept in the state directory (not in the policies folder, where git
        // would see it and a build embed it): the check stays forced down.
        Assert.True(File.Exists(Path.Combine(_state, "health-overrides.json")));
        Assert.False(File.Exists(Path.Combine(_folder.Path, "health-overrides.json")));
        await using (var restarted = await StartAsync())
        {
            Assert.Equal(NorthAmerica, await EuropeanClientGetsAsync(restarted));
            using var delete = await Http.DeleteAsync(new Uri(restarted.Admin!, "health/eu/override"));
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
            await WaitForAsync(restarted, Europe, "override cleared");

            var metrics = await Http.GetStringAsync(new Uri(restarted.Admin!, "metrics"));
            Assert.Contains("scriptable_health_state{health_check=\"eu\"} 1", metrics, StringComparison.Ordinal);
        }
    }

    // Earlier versions kept the overrides in the policies folder: the first start moves them to the state directory.
    [Fact]
    public async Task Override_KeptInThePoliciesFolderByAnEarlierVersion_MovesToTheStateDirectory()
    {
        var former = Path.Combine(_folder.Path, "health-overrides.json");
        Engine.Health.HealthOverrideStore.Save(former, new Dictionary<string, Engine.Health.HealthOverride>
        {
            ["eu"] = new(Engine.Health.HealthOverrideKind.ForceDown, null, "moved", DateTimeOffset.UtcNow),
        });

        await using var server = await StartAsync();

        Assert.Equal(NorthAmerica, await EuropeanClientGetsAsync(server));
        Assert.True(File.Exists(Path.Combine(_state, "health-overrides.json")));
        Assert.Contains(server.Logs.Messages, m => m.Contains("1 health override(s) moved from", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HealthYaml_BrokenEdit_ChecksKeepRunning()
    {
        await using var server = await StartAsync();
        File.WriteAllText(Path.Combine(_folder.Path, "health.yaml"), "checks:\n  eu: { htp: http://x }\n");
        await server.ReloadAsync();

        Assert.Contains(server.Logs.Messages, m => m.Contains("health.yaml(2,9): error", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Messages, m => m.Contains("health checks already running keep running", StringComparison.Ordinal));
        _euUp = false;
        await WaitForAsync(server, NorthAmerica, "failover with the previous checks");
    }
}
