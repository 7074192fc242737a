using System.Globalization;
using System.Text.RegularExpressions;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// The geo-failover example on the real server with a generated database: dig and kdig with +subnet, database
/// files replaced while it answers, broken replacements, untrusted ECS.
/// </summary>
public sealed partial class GeoServerTests : IDisposable
{
    private readonly TempFolder _geo = new();

    public void Dispose() => _geo.Dispose();

    private static string WwwPolicy => File.ReadAllText(RepositoryPaths.Combine("examples", "geo-failover", "example.com", "www.csx"));

    private static string Zone => File.ReadAllText(RepositoryPaths.Combine("examples", "geo-failover", "example.com", "example.com.zone"));

    private string Database(MmdbWriter writer, string name = "city.mmdb")
    {
        var path = Path.Combine(_geo.Path, name);
        writer.Write(path + ".tmp");
        File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }

    private static async Task<TestServer> StartAsync(Action<Configuration.ServerOptions> configure) =>
        await TestServer.StartAsync([("example.com", Zone)], options =>
        {
            File.WriteAllText(Path.Combine(options.Policies, "example.com", "www.csx"), WwwPolicy);
            options.RescanSeconds = 0.2;
            configure(options);
        });

    private static async Task<(string Answer, string Scope)> DigAsync(string tool, int port, string subnet, string type = "A")
    {
        var (code, output, error) = tool == "dig"
            ? await ExternalTool.RunAsync("dig", ["@127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "www.example.com", type, "+subnet=" + subnet, "+norec", "+time=2", "+tries=1"])
            : await ExternalTool.RunAsync("kdig", ["@127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "www.example.com", type, "+subnet=" + subnet, "+norec", "+timeout=2", "+retry=0"]);
        Assert.True(code == 0, $"{tool} failed: {error}{output}");
        var answer = AnswerLine().Match(output);
        var scope = ScopeLine().Match(output);
        Assert.True(answer.Success && scope.Success, output);
        return (answer.Groups["rdata"].Value, scope.Groups["scope"].Value);
    }

    [GeneratedRegex(@"^www\.example\.com\.\s+30\s+IN\s+(A|AAAA)\s+(?<rdata>\S+)", RegexOptions.Multiline)]
    private static partial Regex AnswerLine();

    // dig: "; CLIENT-SUBNET: 81.2.69.160/27/27"; kdig: "; CLIENT-SUBNET: 81.2.69.160/27/27" too.
    [GeneratedRegex(@"CLIENT-SUBNET: \S+/\d+/(?<scope>\d+)")]
    private static partial Regex ScopeLine();

    [Theory]
    [InlineData("dig")]
    [InlineData("kdig")]
    public async Task Subnet_EndToEnd_AnswerAndScopePerAddress(string tool)
    {
        var database = Database(TestGeo.CityTestLike());
        await using var server = await StartAsync(o => o.Geo.Databases = [database]);

        Assert.Equal(("198.51.100.20", "27"), await DigAsync(tool, server.Port, "81.2.69.160/27"));
        Assert.Equal(("192.0.2.10", "29"), await DigAsync(tool, server.Port, "216.160.83.56/29"));
        Assert.Equal(("203.0.113.30", "24"), await DigAsync(tool, server.Port, "175.16.199.0/24"));
        Assert.Equal(("2001:db8:20::20", "29"), await DigAsync(tool, server.Port, "2a02:d180::/29", "AAAA"));
        Assert.Equal(("192.0.2.10", "48"), await DigAsync(tool, server.Port, "2001:480:10::/48"));
        Assert.Equal(("198.51.100.20", "27"), await DigAsync(tool, server.Port, "81.2.69.160/32"));
        Assert.Equal(("203.0.113.30", "0"), await DigAsync(tool, server.Port, "0.0.0.0/0"));
    }

    [Fact]
    public async Task Replace_DatabaseWhileAnswering_NewAnswersWithoutLosingQueries()
    {
        var database = Database(new MmdbWriter().Insert("81.2.69.0/24", TestGeo.City("GB", "EU")));
        await using var server = await StartAsync(o => o.Geo.Databases = [database]);
        var query = RawQuery.Build("www.example.com", RecordType.A, edns: new Edns(1232, Options: [RawQuery.Ecs("81.2.69.160/27")]));

        async Task<string> AskAsync()
        {
            var response = await server.UdpAsync(query, 2000);
            Assert.NotNull(response);
            return Responses.Parse(response).AnswerRecords.Single().ToString();
        }

        Assert.Contains("198.51.100.20", await AskAsync(), StringComparison.Ordinal);
        using var stop = new CancellationTokenSource();
        var answered = 0;
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await AskAsync();
                Interlocked.Increment(ref answered);
            }
        });

        // The same network moves to North America.
        Database(new MmdbWriter().Insert("81.2.69.0/24", TestGeo.City("US", "NA")));
        await TransportTests.WaitUntil(() => server.Logs.Messages.Count(m => m.Contains("Geo database", StringComparison.Ordinal) && m.Contains("loaded", StringComparison.Ordinal)) >= 2, "the new database loaded", 10000);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!(await AskAsync()).Contains("192.0.2.10", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the new database never answered");
        }

        await stop.CancelAsync();
        await load;
        Assert.True(answered > 0);
        Assert.Equal(0, server.Failures);
    }

    [Fact]
    public async Task Replace_DatabaseWithGarbage_PreviousKeepsAnswering()
    {
        var database = Database(new MmdbWriter().Insert("81.2.69.0/24", TestGeo.City("GB", "EU")));
        await using var server = await StartAsync(o => o.Geo.Databases = [database]);

        File.WriteAllBytes(database, [0, 1, 2, 3, 4, 5]);
        await TransportTests.WaitUntil(() => server.Logs.Messages.Any(m => m.Contains("changed but cannot be used", StringComparison.Ordinal)), "the broken file reported", 10000);

        var response = await server.UdpAsync(RawQuery.Build("www.example.com", RecordType.A, edns: new Edns(1232, Options: [RawQuery.Ecs("81.2.69.160/27")])), 2000);
        Assert.Contains("198.51.100.20", Responses.Parse(response!).AnswerRecords.Single().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DropIntoGeoFolder_PickedUpWithoutConfiguration()
    {
        await using var server = await StartAsync(_ => { });
        var query = RawQuery.Build("www.example.com", RecordType.A, edns: new Edns(1232, Options: [RawQuery.Ecs("216.160.83.56/29")]));
        Assert.Contains("203.0.113.30", Responses.Parse((await server.UdpAsync(query))!).AnswerRecords.Single().ToString(), StringComparison.Ordinal);

        Directory.CreateDirectory(Path.Combine(server.Policies, "_geo"));
        TestGeo.CityTestLike().Write(Path.Combine(server.Policies, "_geo", "city.mmdb"));

        await TransportTests.WaitUntil(() => Responses.Parse(server.UdpAsync(query).Result!).AnswerRecords.Single().ToString().Contains("192.0.2.10", StringComparison.Ordinal), "the dropped database used", 10000);
    }

    [Fact]
    public async Task UntrustedEcs_LocatedByResolverWithScopeZero()
    {
        var database = Database(TestGeo.CityTestLike().Insert("127.0.0.0/8", TestGeo.City("JP", "AS")));
        await using var server = await StartAsync(o =>
        {
            o.Geo.Databases = [database];
            o.Geo.EcsTrusted = ["192.0.2.0/24"];
        });

        var (answer, scope) = await DigAsync("dig", server.Port, "81.2.69.160/27");

        // 127.0.0.1 (the resolver here) is in Asia in this database: the untrusted subnet is not believed.
        Assert.Equal(("203.0.113.30", "0"), (answer, scope));
    }
}
