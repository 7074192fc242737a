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
