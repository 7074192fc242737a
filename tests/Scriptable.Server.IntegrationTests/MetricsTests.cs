using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Scriptable.Engine.Protocol;
using Scriptable.Server.Configuration;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// The metrics the ecosystem expects, scraped from a real server's <c>/metrics</c> after known queries: CoreDNS's
/// names, labels and buckets, the build info, the per-check health state, zone load failures; and the Grafana
/// dashboard shipped in engine/Scriptable.Server/Admin/Grafana reads only metrics the server exports.
/// </summary>
public sealed partial class MetricsTests(MetricsTests.Fixture fixture) : IClassFixture<MetricsTests.Fixture>
{
    /// <summary>One server (example.org, a zone that fails to load, one health check against a real HTTP backend) and its scrape after known queries.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private readonly TestHttpServer _backend = new();
        private readonly TempFolder _folder = TempFolder.WithExampleZone(("example.org/lb.csx", "return Answer.Address(\"192.0.2.7\");"));

        public TestServer Server { get; private set; } = null!;

        /// <summary>The exposition after the queries.</summary>
        public string Metrics { get; private set; } = "";

        public async Task InitializeAsync()
        {
            _folder.Write("broken.example/broken.example.zone", "$ORIGIN broken.example.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 604800 60\n@ IN NS ns1\nwww IN A 192.0.2.999\n");
            _folder.Write("health.yaml", $"defaults: {{ interval: 200ms, timeout: 150ms, rise: 1, fall: 1 }}\nchecks:\n  web: {{ http: {_backend.Url} }}\n");
            Server = await TestServer.StartInFolderAsync(_folder.Path, o => o.Admin = new AdminConfig { Listen = "127.0.0.1:0" });
            for (var i = 0; i < 3; i++)
            {
                Assert.NotNull(await Server.UdpAsync(RawQuery.Build("www.example.org", RecordType.A)));
            }

            for (var i = 0; i < 2; i++)
            {
                await Server.TcpAsync(RawQuery.Build("ns1.example.org", RecordType.AAAA));
            }

            Assert.NotNull(await Server.UdpAsync(RawQuery.Build("nothing.example.org", RecordType.MX)));
            Assert.NotNull(await Server.UdpAsync(RawQuery.Build("www.example.org", RecordType.TXT, edns: new Edns(DnssecOk: true))));
            Assert.NotNull(await Server.UdpAsync(RawQuery.Build("www.example.org", 99)));

            // The check's first probe done: the gauge says up (its initial state says so too) and the probe counter,
            // which exists only once a probe has been counted, is there.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            using var http = new HttpClient();
            while (true)
            {
                Metrics = await http.GetStringAsync(new Uri(Server.Admin!, "metrics"));
                if ((Metrics.Contains("scriptable_health_check_state{health_check=\"web\",health_state=\"up\"} 1", StringComparison.Ordinal)
                    && Metrics.Contains("# TYPE scriptable_health_probes_total ", StringComparison.Ordinal)) || DateTime.UtcNow > deadline)
                {
                    break;
                }

                await Task.Delay(50);
            }
        }

        public async Task DisposeAsync()
        {
            await Server.DisposeAsync();
            await _backend.DisposeAsync();
            _folder.Dispose();
        }
    }

    [Theory]
    [InlineData("dns_requests_total{family=\"1\",proto=\"udp\",type=\"A\"} 3")]
    [InlineData("dns_requests_total{family=\"1\",proto=\"tcp\",type=\"AAAA\"} 2")]
    [InlineData("dns_requests_total{family=\"1\",proto=\"udp\",type=\"MX\"} 1")]
    [InlineData("dns_requests_total{family=\"1\",proto=\"udp\",type=\"TXT\"} 1")]
    [InlineData("dns_requests_total{family=\"1\",proto=\"udp\",type=\"other\"} 1")]
    [InlineData("dns_responses_total{rcode=\"NOERROR\"} 7")]
    [InlineData("dns_responses_total{rcode=\"NXDOMAIN\"} 1")]
    [InlineData("dns_do_requests_total 1")]
    [InlineData("dns_request_duration_seconds_count{type=\"A\"} 3")]
    [InlineData("dns_request_duration_seconds_bucket{type=\"A\",le=\"+Inf\"} 3")]
    [InlineData("dns_request_size_bytes_count{proto=\"udp\"} 6")]
    [InlineData("dns_request_size_bytes_count{proto=\"tcp\"} 2")]
    [InlineData("dns_response_size_bytes_count{proto=\"tcp\"} 2")]
    [InlineData("dns_request_size_bytes_bucket{proto=\"tcp\",le=\"0\"} 0")]
    [InlineData("dns_request_size_bytes_bucket{proto=\"tcp\",le=\"100\"} 2")]
    [InlineData("scriptable_zones_failing 1")]
    [InlineData("scriptable_health_check_state{health_check=\"web\",health_state=\"up\"} 1")]
    [InlineData("scriptable_health_check_state{health_check=\"web\",health_state=\"down\"} 0")]
    [InlineData("# TYPE dns_request_duration_seconds histogram")]
    [InlineData("# TYPE dns_requests_total counter")]
    [InlineData("# TYPE scriptable_build_info gauge")]
    public void Scrape_AfterKnownQueries_HasTheLine(string line) =>
        Assert.Contains(line, fixture.Metrics.Split('\n'));

    [Fact]
    public void Scrape_BuildInfo_SaysTheVersion()
    {
        var info = fixture.Metrics.Split('\n').Single(l => l.StartsWith("scriptable_build_info{", StringComparison.Ordinal));
        Assert.Matches("^scriptable_build_info\\{runtime=\"\\.NET [0-9.]+[^\"]*\",version=\"[0-9]+\\.[0-9]+\\.[0-9]+[^\"]*\"\\} 1$", info);
    }

    /// <summary>At least the startup's load of the broken zone (a reload, if the watcher made one, counts again).</summary>
    [Fact]
    public void Scrape_ZoneLoadFailures_CountsTheBrokenZone()
    {
        var line = fixture.Metrics.Split('\n').Single(l => l.StartsWith("scriptable_zones_load_failures_total ", StringComparison.Ordinal));
        Assert.True(long.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture) >= 1, line);
    }

    [GeneratedRegex("^dns_request_duration_seconds_bucket\\{type=\"A\",le=\"([^\"]+)\"\\} ([0-9]+)$", RegexOptions.Multiline)]
    private static partial Regex DurationBucket();

    /// <summary>CoreDNS's buckets (0.25 ms doubling to 8.192 s), cumulative, ending at the count.</summary>
    [Fact]
    public void Scrape_DurationHistogram_HasCoreDnsBucketsCumulative()
    {
        var buckets = DurationBucket().Matches(fixture.Metrics).Select(m => (Le: m.Groups[1].Value, Count: long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();

        Assert.Equal(17, buckets.Count);
        Assert.Equal(["0.00025", "0.0005", "0.001", "0.002", "0.004", "0.008", "0.016", "0.032", "0.064", "0.128", "0.256", "0.512", "1.024", "2.048", "4.096", "8.192", "+Inf"], buckets.Select(b => b.Le));
        for (var i = 1; i < buckets.Count; i++)
        {
            Assert.True(buckets[i].Count >= buckets[i - 1].Count, "not cumulative at le=" + buckets[i].Le);
        }

        Assert.Equal(3, buckets[^1].Count);
    }

    /// <summary>The zone that failed is on <c>/status</c> with its file and line (the message with it: no token is configured).</summary>
    [Fact]
    public async Task Status_ZoneThatFailed_ErrorWithFileAndLine()
    {
        using var http = new HttpClient();
        using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(fixture.Server.Admin!, "status")));

        Assert.Contains("broken.example", status.RootElement.GetProperty("failedZones").EnumerateArray().Select(e => e.GetString()));
        var error = Assert.Single(status.RootElement.GetProperty("zoneErrors").EnumerateArray()).GetString()!;
        Assert.Matches("broken\\.example\\.zone\\(5,1\\): .*192\\.0\\.2\\.999", error);
    }

    /// <summary>
    /// Every metric name the dashboard's queries use is one the server exports (a histogram's <c>_bucket</c>,
    /// <c>_sum</c> and <c>_count</c> count as its name), and the dashboard uses the CoreDNS names.
    /// </summary>
    [Fact]
    public void GrafanaDashboard_EveryMetricItQueriesIsExported()
    {
        var exported = fixture.Metrics.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToHashSet(StringComparer.Ordinal);
        using var dashboard = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Combine("engine", "Scriptable.Server", "Admin", "Grafana", "scriptable.json")));
        var expressions = Expressions(dashboard.RootElement).ToList();
        Assert.NotEmpty(expressions);

        var used = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var expression in expressions)
        {
            foreach (Match name in MetricName().Matches(expression))
            {
                if (!PromQlWords.Contains(name.Value) && !IsLabel(expression, name))
                {
                    used.Add(Regex.Replace(name.Value, "_(bucket|sum|count)$", ""));
                }
            }
        }

        var missing = used.Where(name => !exported.Contains(name)).ToList();
        Assert.True(missing.Count == 0, "the dashboard queries metrics /metrics does not export: " + string.Join(", ", missing));
        Assert.Contains("dns_requests_total", used);
        Assert.Contains("dns_request_duration_seconds", used);
        Assert.Contains("scriptable_health_check_state", used);
    }

    /// <summary>Every metric the Admin README's metrics table names is one the server exports.</summary>
    [Fact]
    public void AdminReadme_EveryMetricInItsTableIsExported()
    {
        var exported = fixture.Metrics.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToHashSet(StringComparer.Ordinal);
        var readme = File.ReadAllLines(RepositoryPaths.Combine("engine", "Scriptable.Server", "Admin", "README.md"));
        var start = Array.IndexOf(readme, "## Metrics");
        var named = readme[start..].TakeWhile(l => !l.StartsWith("## Examples", StringComparison.Ordinal))
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(l => TableName().Matches(l.Split('|')[1]).Select(m => m.Groups[1].Value))
            .ToList();

        Assert.Contains("dns_requests_total", named);
        Assert.Contains("scriptable_build_info", named);
        var missing = named.Where(n => !exported.Contains(n)).ToList();
        Assert.True(missing.Count == 0, "the Admin README names metrics /metrics does not export: " + string.Join(", ", missing));
    }

    [GeneratedRegex("`([a-z_]+)`")]
    private static partial Regex TableName();

    [GeneratedRegex("[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "sum", "rate", "irate", "increase", "by", "without", "histogram_quantile", "le", "max", "min", "avg", "count", "topk", "bottomk", "on",
        "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "clamp_min", "clamp_max", "time", "label_replace", "abs",
        "delta", "deriv", "changes", "resets", "vector", "scalar", "m", "s", "h", "d", "__rate_interval", "__interval", "__range",
    };

    /// <summary>True when the word is a label name or value: inside braces, or in a by/without list.</summary>
    private static bool IsLabel(string expression, Match word)
    {
        var before = expression[..word.Index];
        var open = before.LastIndexOf('{');
        if (open > before.LastIndexOf('}'))
        {
            return true;
        }

        var paren = before.LastIndexOf('(');
        return paren > before.LastIndexOf(')') && Regex.IsMatch(before[..paren], "\\b(by|without)\\s*$") || before.EndsWith('"') || before.EndsWith('$');
    }

    private static IEnumerable<string> Expressions(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "expr" && property.Value.ValueKind == JsonValueKind.String)
                {
                    yield return property.Value.GetString()!;
                }
                else
                {
                    foreach (var inner in Expressions(property.Value))
                    {
                        yield return inner;
                    }
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                foreach (var inner in Expressions(item))
                {
                    yield return inner;
                }
            }
        }
    }
}
