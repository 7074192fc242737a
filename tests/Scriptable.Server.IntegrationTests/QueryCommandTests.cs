using System.Text.RegularExpressions;
using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// <c>scriptable query</c> run as a process against examples/geo-failover with a generated City database:
/// the dig-like answer, the why (policy file and revision, where the client was located), stated health,
/// and usage errors (one line, exit 2).
/// </summary>
public sealed class QueryCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("scriptable-query-cli-").FullName;
    private readonly string _geo;
    private readonly string _policies = RepositoryPaths.Combine("examples", "geo-failover");

    public QueryCommandTests()
    {
        _geo = Path.Combine(_directory, "city.mmdb");
        TestGeo.CityTestLike().Write(_geo);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Task<(int Exit, string Output)> Query(params string[] args) =>
        ServerProcess.RunAsync(_directory, ["query", .. args, "--geo", _geo, "--policies", _policies]);

    /// <summary>The lines of the ANSWER SECTION, each split on whitespace.</summary>
    private static List<string[]> AnswerSection(string output)
    {
        var lines = output.Split('\n');
        var start = Array.IndexOf(lines, ";; ANSWER SECTION:");
        Assert.True(start >= 0, output);
        return lines[(start + 1)..].TakeWhile(l => l.Length > 0).Select(l => l.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)).ToList();
    }

    /// <summary>The check names of examples/geo-failover/health.yaml, read as text.</summary>
    private List<string> CheckNames() =>
        [.. File.ReadAllLines(Path.Combine(_policies, "health.yaml"))
            .Select(l => Regex.Match(l, @"^  ([a-z][a-z0-9-]*):\s*\{"))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)];

    [Fact]
    public async Task EuropeanSubnet_GetsEurope_WithTheWhy()
    {
        var (exit, output) = await Query("www.example.com", "A", "--ecs", "81.2.69.160/27");

        Assert.True(exit == 0, output);
        Assert.Contains(";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: ", output, StringComparison.Ordinal);
        Assert.Matches(@";; flags: qr aa; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1", output);
        Assert.Contains(";; QUESTION SECTION:\n;www.example.com.\t\tIN\tA\n", output, StringComparison.Ordinal);
        var answer = Assert.Single(AnswerSection(output));
        Assert.Equal(["www.example.com.", "30", "IN", "A", "198.51.100.20"], answer);
        Assert.Contains("; CLIENT-SUBNET: 81.2.69.160/27/27", output, StringComparison.Ordinal);
        Assert.Contains(";; WHY:\n", output, StringComparison.Ordinal);
        Assert.Contains($";; answered by policy www.example.com. ({Path.Combine(_policies, "example.com", "www.csx")} revision 1)\n", output, StringComparison.Ordinal);
        Assert.Contains(";; client located by ECS 81.2.69.160/27: GB/EU London in 'city' (network /27)\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NorthAmericanSubnet_GetsNorthAmerica()
    {
        var (exit, output) = await Query("www.example.com", "--ecs", "216.160.83.56/29");

        Assert.True(exit == 0, output);
        Assert.Equal(["www.example.com.", "30", "IN", "A", "192.0.2.10"], Assert.Single(AnswerSection(output)));
        Assert.Contains("client located by ECS 216.160.83.56/29: US/NA Milton in 'city' (network /29)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EuDown_SendsEuropeToNorthAmerica()
    {
        var checks = CheckNames();
        Assert.Contains("eu", checks);
        Assert.Contains("na", checks);

        var (exit, output) = await Query("www.example.com", "A", "--ecs", "81.2.69.160/27", "--health", "eu=down");
        var (bothExit, bothOutput) = await Query("www.example.com", "A", "--ecs", "81.2.69.160/27", "--health", "eu=down", "--health", "na=down");
        var (forcedExit, forcedOutput) = await Query("www.example.com", "A", "--ecs", "81.2.69.160/27", "--health", "eu=down", "--override", "eu=force-up");

        Assert.True(exit == 0, output);
        Assert.Equal(["www.example.com.", "30", "IN", "A", "192.0.2.10"], Assert.Single(AnswerSection(output)));
        Assert.Contains(";; health: ", output, StringComparison.Ordinal);
        Assert.Contains("eu down (stated)", output, StringComparison.Ordinal);
        Assert.True(bothExit == 0, bothOutput);
        Assert.Equal(["www.example.com.", "30", "IN", "A", "198.51.100.20"], Assert.Single(AnswerSection(bothOutput)));
        Assert.True(forcedExit == 0, forcedOutput);
        Assert.Equal(["www.example.com.", "30", "IN", "A", "198.51.100.20"], Assert.Single(AnswerSection(forcedOutput)));
        Assert.Contains("eu up (override force-up)", forcedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatedCountry_WinsOverTheDatabase()
    {
        var (exit, output) = await Query("www.example.com", "AAAA", "--ecs", "81.2.69.160/27", "--country", "JP");

        Assert.True(exit == 0, output);
        Assert.Equal(["www.example.com.", "30", "IN", "AAAA", "2001:db8:30::30"], Assert.Single(AnswerSection(output)));
        Assert.Contains("JP/AS in 'stated'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaticName_IsAnsweredByTheZone()
    {
        var (exit, output) = await Query("static.example.com");

        Assert.True(exit == 0, output);
        Assert.Equal(["static.example.com.", "3600", "IN", "A", "192.0.2.1"], Assert.Single(AnswerSection(output)));
        Assert.Contains(";; answered by the zone's static data\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scriptable: 'BOGUS' is not a record type.", "www.example.com", "BOGUS")]
    [InlineData("scriptable: --health 'eu=sideways' is not name=state (up, down, draining, unknown)", "www.example.com", "--health", "eu=sideways")]
    [InlineData("scriptable: --override 'eu=off' is not name=state (force-up, force-down, drain)", "www.example.com", "--override", "eu=off")]
    [InlineData("scriptable: '1.2.3' is not a subnet such as 192.0.2.0/24.", "www.example.com", "--ecs", "1.2.3")]
    [InlineData("scriptable: '192.0.2' is not an address.", "www.example.com", "--client", "192.0.2")]
    [InlineData("scriptable: --time 'yesterday' is not a time such as 2026-11-30T03:00:00Z", "www.example.com", "--time", "yesterday")]
    [InlineData("scriptable: --location '91,0' is not latitude,longitude (such as 48.86,2.35)", "www.example.com", "--location", "91,0")]
    [InlineData("scriptable query: Unrecognized command or argument '--bogus'.", "www.example.com", "A", "--bogus")]
    public async Task BadArgument_OneLineError_ExitTwo(string message, params string[] args)
    {
        var (exit, output) = await Query(args);

        Assert.True(exit == 2, output);
        Assert.Equal(message, Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task MissingNameOrFolder_OneLineError_ExitTwo()
    {
        var (exit, output) = await ServerProcess.RunAsync(_directory, "query");
        var (folderExit, folderOutput) = await ServerProcess.RunAsync(_directory, "query", "www.example.com", "--policies", "/nonexistent/folder");

        Assert.True(exit == 2, output);
        Assert.Equal("scriptable query: Required argument 'name' missing for command: 'query'.", Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.True(folderExit == 2, folderOutput);
        Assert.Equal("scriptable: policies folder '/nonexistent/folder' does not exist", Assert.Single(folderOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
