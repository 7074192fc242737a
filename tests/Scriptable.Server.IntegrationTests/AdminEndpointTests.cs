using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Scriptable.Engine.Protocol;
using Scriptable.Server.Configuration;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>The admin endpoint over real HTTP: JSON status, policies, Prometheus text, the token.</summary>
public sealed partial class AdminEndpointTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static Task<TestServer> StartAsync(string token = "", params (string File, string Text)[] files) =>
        TestServer.StartWithFilesAsync(files, o => o.Admin = new AdminConfig { Listen = "127.0.0.1:0", Token = token });

    /// <summary>A server whose health.yaml declares 'eu' and 'check0'...'check23' (probing a closed loopback port, rarely).</summary>
    private static Task<TestServer> StartWithChecksAsync()
    {
        var checks = new System.Text.StringBuilder("defaults: { interval: 60s, timeout: 1s }\nchecks:\n  eu: { tcp: 127.0.0.1:9 }\n");
        for (var i = 0; i < 24; i++)
        {
            checks.Append(System.Globalization.CultureInfo.InvariantCulture, $"  check{i}: {{ tcp: 127.0.0.1:9 }}\n");
        }

        return StartAsync(files: [("health.yaml", checks.ToString())]);
    }

    private static async Task<JsonElement> GetJsonAsync(Uri uri)
    {
        using var response = await Http.GetAsync(uri);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task Status_ZonesPoliciesAndCounts()
    {
        await using var server = await StartAsync(files: [("example.org/www.csx", "return Answer.Address(\"192.0.2.9\");")]);

        var status = await GetJsonAsync(new Uri(server.Admin!, "status"));

        Assert.Equal("example.org.", status.GetProperty("zones")[0].GetProperty("origin").GetString());
        Assert.Equal(1, status.GetProperty("policies").GetProperty("names").GetInt32());
        Assert.Equal(0, status.GetProperty("policies").GetProperty("failing").GetInt32());
        Assert.True(status.GetProperty("uptimeSeconds").GetDouble() >= 0);
    }

    [Fact]
    public async Task Policies_VersionCountersAndErrors()
    {
        await using var server = await StartAsync(files: [
            ("example.org/www.csx", "return Answer.Address(\"192.0.2.9\");"),
            ("example.org/api.csx", "return 1;")]);
        await server.UdpAsync(RawQuery.Build("www.example.org", RecordType.A));

        var policies = (await GetJsonAsync(new Uri(server.Admin!, "policies"))).EnumerateArray().ToList();

        var www = policies.Single(p => p.GetProperty("file").GetString()!.EndsWith("www.csx", StringComparison.Ordinal));
        Assert.Equal(1, www.GetProperty("revision").GetInt32());
        Assert.Equal("policy", www.GetProperty("serving").GetString());
        Assert.Equal(1, www.GetProperty("counters").GetProperty("queries").GetInt64());
        var api = policies.Single(p => p.GetProperty("file").GetString()!.EndsWith("api.csx", StringComparison.Ordinal));
        Assert.Equal("fallback", api.GetProperty("serving").GetString());
        Assert.Contains("api.csx(1,8): error CS0029", api.GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\]|\\.)*"",?)*\})? -?[0-9.eE+\-]+|[+-]Inf$")]
    private static partial Regex Sample();

    [Fact]
    public async Task Metrics_PrometheusTextParses()
    {
        await using var server = await StartAsync(files: [("example.org/www.csx", "return Answer.Address(\"192.0.2.9\");")]);
        for (var i = 0; i < 3; i++)
        {
            await server.UdpAsync(RawQuery.Build("www.example.org", RecordType.A));
        }

        using var response = await Http.GetAsync(new Uri(server.Admin!, "metrics"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.True(line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal) || Sample().IsMatch(line), "not Prometheus text: " + line);
        }

        Assert.Contains("# TYPE scriptable_dns_responses_total counter", text, StringComparison.Ordinal);
        Assert.Contains("scriptable_dns_responses_total{dns_rcode=\"NOERROR\",network_transport=\"udp\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("scriptable_policy_queries_total{policy_name=\"www.example.org\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("process_cpu_seconds_total ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_ChangesNeedIt_ReadsOnLoopbackDoNot()
    {
        await using var server = await StartAsync(token: "s3cret");
        var change = new Uri(server.Admin!, "health/eu/override");

        using (var anonymous = await Http.PutAsync(change, new StringContent("{\"state\":\"down\"}", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Put, change) { Content = new StringContent("{\"state\":\"down\"}", System.Text.Encoding.UTF8, "application/json") })
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "guess");
            using var response = await Http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var read = await Http.GetAsync(new Uri(server.Admin!, "status"));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    private static StringContent Json(string text) => new(text, System.Text.Encoding.UTF8, "application/json");

    /// <summary>
    /// Saves of the overrides file do not share a temporary file: parallel PUTs all succeed, and the file (read
    /// by a restart) holds every override that was set.
    /// </summary>
    [Fact]
    public async Task PutOverride_InParallel_AllSucceedAndTheFileHoldsEvery()
    {
        await using var server = await StartWithChecksAsync();
        var names = Enumerable.Range(0, 24).Select(i => $"check{i}").ToList();

        var responses = await Task.WhenAll(names.Select(async name =>
        {
            using var response = await Http.PutAsync(new Uri(server.Admin!, $"health/{name}/override"), Json("{\"state\":\"drain\"}"));
            return (name, response.StatusCode, await response.Content.ReadAsStringAsync());
        }));

        Assert.All(responses, r => Assert.True(r.StatusCode == HttpStatusCode.OK, $"{r.name}: {(int)r.StatusCode} {r.Item3}"));
        var saved = Engine.Health.HealthOverrideStore.Load(server.Server.OverridesFile);
        Assert.Null(saved.Error);
        Assert.Equal(names.Order(StringComparer.Ordinal), saved.Overrides.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(server.Server.OverridesFile)!, "*.tmp"));
    }

    /// <summary>An override for a name health.yaml does not declare is a 404 naming the nearest check; nothing is kept.</summary>
    [Fact]
    public async Task PutOverride_NoSuchCheck_404WithTheNearest()
    {
        await using var server = await StartWithChecksAsync();

        using var response = await Http.PutAsync(new Uri(server.Admin!, "health/euu/override"), Json("{\"state\":\"drain\"}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("'euu' is no check or group of health.yaml; did you mean 'eu'?", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(server.Server.Health.Overrides);
    }

    /// <summary>A body that is not JSON is a 415 that says what to send, not a 500; nothing changes.</summary>
    [Theory]
    [InlineData("text/plain", "{\"state\":\"down\"}")]
    [InlineData("application/x-www-form-urlencoded", "state=down")]
    public async Task PutOverride_NotJson_415SaysWhatToSend(string contentType, string body)
    {
        await using var server = await StartWithChecksAsync();

        using var response = await Http.PutAsync(new Uri(server.Admin!, "health/eu/override"), new StringContent(body, System.Text.Encoding.UTF8, contentType));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(server.Server.Health.Overrides);
    }

    /// <summary>An override that has already expired is refused (400), and the override in force stays.</summary>
    [Theory]
    [InlineData("2001-01-01T00:00:00Z")]
    [InlineData("0s")]
    public async Task PutOverride_AlreadyExpired_400AndNothingChanges(string expires)
    {
        await using var server = await StartWithChecksAsync();
        using (var set = await Http.PutAsync(new Uri(server.Admin!, "health/eu/override"), Json("{\"state\":\"drain\",\"reason\":\"maintenance\"}")))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        var saved = File.ReadAllText(server.Server.OverridesFile);
        using var response = await Http.PutAsync(new Uri(server.Admin!, "health/eu/override"), Json($"{{\"state\":\"down\",\"expires\":\"{expires}\"}}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("already", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("maintenance", server.Server.Health.Overrides["eu"].Reason);
        Assert.Equal(saved, File.ReadAllText(server.Server.OverridesFile));
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\t \n")]
    [InlineData(" s3cret")]
    [InlineData("s3cret\n")]
    public void Validate_TokenWithWhitespace_Error(string token)
    {
        var options = new ServerOptions { Admin = new AdminConfig { Listen = "127.0.0.1:5380", Token = token } };

        Assert.Contains(options.Validate(), e => e.StartsWith("Admin:Token", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0.0.0.0:5380", "", "set Admin:Token")]
    [InlineData("192.0.2.1:5380", "", "set Admin:Token")]
    [InlineData("nonsense", "", "Admin:Listen")]
    public void Validate_AdminAddress(string listen, string token, string message)
    {
        var options = new ServerOptions { Admin = new AdminConfig { Listen = listen, Token = token } };

        Assert.Contains(options.Validate(), e => e.Contains(message, StringComparison.Ordinal));
        Assert.DoesNotContain(new ServerOptions { Admin = new AdminConfig { Listen = listen, Token = "t" } }.Validate(), e => e.Contains("Token", StringComparison.Ordinal));
    }
}
