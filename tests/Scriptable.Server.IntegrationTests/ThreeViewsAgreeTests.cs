using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;
using Xunit.Abstractions;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// examples/geo-failover seen three ways, which must agree with each other and with what the database says:
/// fixtures written from the outside and run by the real <c>scriptable test</c>, <c>scriptable query</c>'s
/// dig-like dry run, and real <c>dig</c> against the real <c>scriptable serve</c> (its health checks probing
/// HTTP backends started here, one of which is stopped to take a check down). The table: the 16 addresses of
/// MaxMind's test table as ECS subnets (the database network and the host) and as plain client addresses,
/// A and AAAA, with all checks up, eu down, na down and everything down. Expectations come from the database's
/// facts (continent, network) and the policy's documented behaviour (examples/geo-failover/README.md).
/// </summary>
/// <remarks>
/// Its <c>scriptable</c> processes take the CPU for a few minutes, so it runs alone, after the other tests, whose
/// policy budgets (20 ms) it would otherwise eat into.
/// </remarks>
[Collection(nameof(ThreeViewsAgreeTests))]
public sealed class ThreeViewsAgreeTests(ITestOutputHelper output)
{
    [Fact]
    public Task GeneratedCityTestDatabase_FixturesQueryAndDigAgree() =>
        new ThreeViews(output, sharedDatabase: null).RunAsync();

    [SharedGeoFact]
    public Task MaxMindGeoIP2CityTest_FixturesQueryAndDigAgree() =>
        new ThreeViews(output, SharedGeo.City).RunAsync();
}

/// <summary>Runs <see cref="ThreeViewsAgreeTests"/> with no other test at the same time.</summary>
[CollectionDefinition(nameof(ThreeViewsAgreeTests), DisableParallelization = true)]
public sealed class ThreeViewsAgreeCollection;

/// <summary>One run of the three views against one database (generated when <paramref name="SharedDatabase"/> is null).</summary>
internal sealed partial class ThreeViews(ITestOutputHelper output, string? sharedDatabase)
{
    private ITestOutputHelper Output { get; } = output;

    private string? SharedDatabase { get; } = sharedDatabase;

    private const string Name = "www.example.com.";

    /// <summary>The client whose plain queries the running server sees: dig's own address.</summary>
    private const string Loopback = "127.0.0.1";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static readonly HealthCase[] HealthCases =
    [
        new("all up", []),
        new("eu down", ["eu"]),
        new("na down", ["na"]),
        new("everything down", ["na", "eu", "other"]),
    ];

    private static readonly string[] CheckNames = ["na", "eu", "other"];

    public async Task RunAsync()
    {
        ExternalTool.Require("dig");
        var root = Directory.CreateTempSubdirectory("scriptable-three-views-").FullName;
        await using var na = new TestHttpServer();
        await using var eu = new TestHttpServer();
        await using var other = new TestHttpServer();
        var backends = new Dictionary<string, TestHttpServer>(StringComparer.Ordinal) { ["na"] = na, ["eu"] = eu, ["other"] = other };
        var down = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (check, backend) in backends)
        {
            backend.Handler = _ =>
            {
                lock (down)
                {
                    return down.Contains(check) ? new TestResponse(503, "down") : TestResponse.Ok;
                }
            };
        }

        try
        {
            var folder = CopyExample(Path.Combine(root, "policies"), backends);
            var database = SharedDatabase ?? Path.Combine(root, "city.mmdb");
            if (SharedDatabase is null)
            {
                TestGeo.CityTestLike().Write(database);
            }

            var work = Directory.CreateDirectory(Path.Combine(root, "work")).FullName;

            // The database is outside the policies folder: the operator allows its folder (Files:IncludeDirectories)
            // in the configuration the three views read from their working directory.
            File.WriteAllText(Path.Combine(work, "scriptable.json"),
                $$"""{ "Files": { "IncludeDirectories": [ {{System.Text.Json.JsonSerializer.Serialize(Path.GetDirectoryName(Path.GetFullPath(database)))}} ] } }""");
            var rows = Rows(database);
            Output.WriteLine($"{rows.Count} rows; database {database}");

            var watch = System.Diagnostics.Stopwatch.StartNew();
            await FixturesAsync(work, folder, database, rows);
            Output.WriteLine($"  fixtures view: {watch.Elapsed.TotalSeconds:F1} s");
            watch.Restart();
            await QueriesAsync(work, folder, database, rows);
            Output.WriteLine($"  query view: {watch.Elapsed.TotalSeconds:F1} s");
            watch.Restart();
            await ServerAsync(work, folder, database, rows, down);
            Output.WriteLine($"  server and dig view: {watch.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // ---- The table and its expectations ----

    private List<Row> Rows(string database)
    {
        var rows = new List<Row>();
        var facts = TestGeo.CityTestFacts;
        foreach (var health in HealthCases)
        {
            foreach (var fact in facts)
            {
                foreach (var type in new[] { "A", "AAAA" })
                {
                    var host = fact.Address.Contains(':', StringComparison.Ordinal) ? 128 : 32;
                    foreach (var prefix in new[] { fact.PrefixLength ?? 24, host }.Distinct())
                    {
                        var subnet = Subnet(fact.Address, prefix);
                        rows.Add(new Row(health, fact, type, Loopback, subnet, Expected(fact, type, health, Math.Min(prefix, DatabasePrefix(database, fact, subnet)))));
                    }

                    // Located by the source address: no ECS option in the answer.
                    rows.Add(new Row(health, fact, type, fact.Address, null, Expected(fact, type, health, null)));
                }
            }

            // The README's ECS shorter than the database network, typed with its host bits: looked up (and echoed) as
            // 81.2.69.0/24, which the database does not hold.
            var shorter = new CityTestFact("81.2.69.0", null, null, null, null);
            foreach (var type in new[] { "A", "AAAA" })
            {
                rows.Add(new Row(health, shorter, type, Loopback, ShorterEcs, Expected(shorter, type, health, Math.Min(24, DatabasePrefix(database, shorter, "81.2.69.0/24")))));
            }

            // What the running server sees without ECS: dig's loopback address, which no database holds.
            var nowhere = new CityTestFact(Loopback, null, null, null, null);
            rows.Add(new Row(health, nowhere, "A", Loopback, null, Expected(nowhere, "A", health, null)));
            rows.Add(new Row(health, nowhere, "AAAA", Loopback, null, Expected(nowhere, "AAAA", health, null)));
        }

        return rows;
    }

    /// <summary>The policy's documented behaviour: NA -> North America; EU -> Europe unless eu is down while na is not; else elsewhere.</summary>
    private static Expectation Expected(CityTestFact fact, string type, HealthCase health, int? scope)
    {
        var (v4, v6) = fact.ContinentCode switch
        {
            "NA" => NorthAmerica,
            "EU" when health.Down.Contains("eu") && !health.Down.Contains("na") => NorthAmerica,
            "EU" => Europe,
            _ => Elsewhere,
        };
        return new Expectation($"{Name} 30 IN {type} {(type == "A" ? v4 : v6)}", scope);
    }

    /// <summary>The README's example of an ECS shorter than the database network (81.2.69.160/27).</summary>
    private const string ShorterEcs = "81.2.69.160/24";

    private static readonly (string V4, string V6) NorthAmerica = ("192.0.2.10", "2001:db8:10::10");
    private static readonly (string V4, string V6) Europe = ("198.51.100.20", "2001:db8:20::20");
    private static readonly (string V4, string V6) Elsewhere = ("203.0.113.30", "2001:db8:30::30");

    /// <summary>
    /// The prefix of the database network the subnet's address falls in: the fact's network, or for an address the
    /// database does not hold, the empty region around it. For the generated database that region follows from the
    /// networks it holds (one bit past the longest prefix shared with any of them); for MaxMind's file, its reader says.
    /// </summary>
    private int DatabasePrefix(string database, CityTestFact fact, string subnet)
    {
        if (fact.PrefixLength is { } known)
        {
            return known;
        }

        var address = IPAddress.Parse(subnet[..subnet.IndexOf('/', StringComparison.Ordinal)]);
        if (SharedDatabase is not null)
        {
            using var reader = new MaxMind.Db.Reader(database);
            Assert.Null(reader.Find<Dictionary<string, object>>(address, out var prefix));
            return prefix;
        }

        var longest = 0;
        foreach (var network in TestGeo.CityTestFacts.Where(f => f.Network is not null).Select(f => IPNetwork.Parse(f.Network!)))
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily)
            {
                longest = Math.Max(longest, CommonPrefix(network.BaseAddress, address));
            }
        }

        return longest + 1;
    }

    private static int CommonPrefix(IPAddress a, IPAddress b)
    {
        var x = a.GetAddressBytes();
        var y = b.GetAddressBytes();
        for (var bit = 0; bit < x.Length * 8; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((x[bit / 8] & mask) != (y[bit / 8] & mask))
            {
                return bit;
            }
        }

        return x.Length * 8;
    }

    /// <summary>address/prefix with the bits past the prefix cleared, as dig sends it and servers echo it.</summary>
    private static string Subnet(string address, int prefix) => new IPNetwork(Mask(IPAddress.Parse(address), prefix), prefix).ToString();

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }

    // ---- The temporary copy of the example ----

    private static string CopyExample(string folder, IReadOnlyDictionary<string, TestHttpServer> backends)
    {
        var example = RepositoryPaths.Combine("examples", "geo-failover");
        FolderCopy.Tree(example, folder, skip: relative => relative.EndsWith(".fixtures.yaml", StringComparison.Ordinal));

        // The example's checks, probing the backends started here, quickly; the folder's other views state health.
        var health = File.ReadAllText(Path.Combine(example, "health.yaml"));
        var edited = health.Replace("interval: 2s, timeout: 1s", "interval: 300ms, timeout: 250ms", StringComparison.Ordinal)
            .Replace("127.0.0.1:5307", $"127.0.0.1:{backends["na"].Port}", StringComparison.Ordinal)
            .Replace("127.0.0.1:5308", $"127.0.0.1:{backends["eu"].Port}", StringComparison.Ordinal)
            .Replace("127.0.0.1:5309", $"127.0.0.1:{backends["other"].Port}", StringComparison.Ordinal);
        Assert.True(edited.Contains("interval: 300ms", StringComparison.Ordinal) && backends.Values.All(b => edited.Contains($":{b.Port}/", StringComparison.Ordinal)), "examples/geo-failover/health.yaml changed shape:\n" + health);
        File.WriteAllText(Path.Combine(folder, "health.yaml"), edited);
        return folder;
    }

    // ---- View 1: fixtures run by `scriptable test` ----

    private async Task FixturesAsync(string work, string folder, string database, List<Row> rows)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("# Written by ThreeViewsAgreeTests from the database's facts: every row of its table.");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"geo-databases: [{Quote(database)}]");
        yaml.AppendLine("cases:");
        foreach (var row in rows)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"  - case: {Quote(row.ToString())}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    type: {row.Type}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    client: {Quote(row.Client)}");
            if (row.Ecs is not null)
            {
                yaml.AppendLine(CultureInfo.InvariantCulture, $"    ecs: {Quote(row.Ecs)}");
            }

            yaml.AppendLine(CultureInfo.InvariantCulture, $"    health: {{ {string.Join(", ", CheckNames.Select(c => $"{c}: {(row.Health.Down.Contains(c) ? "down" : "up")}"))} }}");
            yaml.AppendLine("    expect:");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"      answer: [{Quote(row.Expected.Answer)}]");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"      scope: {(row.Expected.Scope is { } scope ? scope.ToString(CultureInfo.InvariantCulture) : "none")}");
            yaml.AppendLine("      answered-by: policy");
        }

        File.WriteAllText(Path.Combine(folder, "example.com", "www.fixtures.yaml"), yaml.ToString());

        // The database is outside the policies folder: the operator's configuration lets fixtures name it.
        File.WriteAllText(Path.Combine(work, "scriptable.json"), JsonSerializer.Serialize(new { Files = new { IncludeDirectories = new[] { Path.GetDirectoryName(Path.GetFullPath(database)) } } }));
        var (exit, output) = await ServerProcess.RunAsync(work, "test", folder, "--strict");
        Output.WriteLine(output.Split('\n').LastOrDefault(l => l.Contains("passed", StringComparison.Ordinal)) ?? "");
        Assert.True(exit == 0, $"scriptable test exited {exit}:\n{output}");
        Assert.Contains($"{rows.Count} passed, 0 failed, 0 skipped", output, StringComparison.Ordinal);
    }

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    // ---- View 2: `scriptable query` ----

    /// <summary>
    /// Each query is a process that compiles the policy (seconds of CPU), so this view asks a slice of the table: for
    /// every address the database-network ECS and (with the generated database) the plain client address, type and
    /// health state turning with the address so that each European address meets more than one state; and dig's
    /// loopback address (in every state with the generated database, all up with MaxMind's, whose run adds
    /// coverage of the database rather than of the views).
    /// </summary>
    private async Task QueriesAsync(string work, string folder, string database, List<Row> rows)
    {
        var chosen = new List<Row>();
        var facts = TestGeo.CityTestFacts;
        for (var i = 0; i < facts.Count; i++)
        {
            var ecs = rows.Where(r => r.Fact == facts[i] && r.Ecs is not null).ToList();
            chosen.Add(ecs.Where(r => r.Health == HealthCases[i % 4] && r.Type == (i % 2 == 0 ? "A" : "AAAA")).First());
            if (SharedDatabase is null)
            {
                chosen.Add(rows.Single(r => r.Fact == facts[i] && r.Ecs is null && r.Health == HealthCases[(i + 1) % 4] && r.Type == (i % 2 == 0 ? "AAAA" : "A")));
            }
        }

        chosen.Add(rows.Single(r => r.Ecs == ShorterEcs && r.Type == "A" && r.Health == HealthCases[0]));
        chosen.AddRange(rows.Where(r => r.Fact.Address == Loopback && r.Type == "A" && (SharedDatabase is null || r.Health == HealthCases[0])));

        using var slots = new SemaphoreSlim(2);
        var failures = await Task.WhenAll(chosen.Select(async row =>
        {
            await slots.WaitAsync();
            try
            {
                List<string> args = ["query", "www.example.com", row.Type, "--client", row.Client, "--geo", database, "--policies", folder];
                if (row.Ecs is not null)
                {
                    args.AddRange(["--ecs", row.Ecs]);
                }

                foreach (var check in CheckNames)
                {
                    args.AddRange(["--health", $"{check}={(row.Health.Down.Contains(check) ? "down" : "up")}"]);
                }

                await using var query = ServerProcess.Start(work, null, [.. args]);
                if (!await query.WaitForExitAsync(120000))
                {
                    return $"{row}: scriptable query did not finish in 2 minutes\n{query.Output}";
                }

                if (query.ExitCode != 0)
                {
                    return $"{row}: scriptable query exited {query.ExitCode}\n{query.Output}";
                }

                return Compare(row, "scriptable query", DigView.Parse(query.Output));
            }
            finally
            {
                slots.Release();
            }
        }));
        Output.WriteLine($"scriptable query: {chosen.Count} rows asked");
        var failed = failures.Where(f => f is not null).ToList();
        Assert.True(failed.Count == 0, $"scriptable query disagrees on {failed.Count} of {chosen.Count} rows:\n{string.Join("\n", failed)}");
    }

    // ---- View 3: `scriptable serve` and dig ----

    private async Task ServerAsync(string work, string folder, string database, List<Row> rows, HashSet<string> down)
    {
        var port = FreePorts.Next();
        var admin = FreePorts.Next();
        await using var server = ServerProcess.Start(work, null, "serve", "--listen", $"127.0.0.1:{port}", "--admin", $"127.0.0.1:{admin}", "--geo", database, "--policies", folder);
        await server.WaitListeningAsync(60000);
        var adminUri = new Uri($"http://127.0.0.1:{admin}/");
        var failures = new List<string>();
        var asked = 0;
        foreach (var health in HealthCases)
        {
            lock (down)
            {
                down.Clear();
                down.UnionWith(health.Down);
            }

            await WaitForHealthAsync(server, adminUri, health);

            // What dig can send from here: every ECS row, and plain queries from its own (loopback) address.
            var batch = rows.Where(r => r.Health == health && (r.Ecs is not null || r.Client == Loopback)).ToList();
            var lines = batch.Select(r => $"{Name} {r.Type}{(r.Ecs is null ? "" : " +subnet=" + r.Ecs)}");
            var file = Path.Combine(work, "dig-batch.txt");
            File.WriteAllLines(file, lines);
            var (exit, text, error) = await ExternalTool.RunAsync("dig", ["@127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "+norec", "+time=2", "+tries=2", "-f", file], TimeSpan.FromSeconds(120));
            Assert.True(exit == 0, $"dig exited {exit}: {error}\n{text}");
            var answers = text.Split("; <<>> DiG ", StringSplitOptions.RemoveEmptyEntries).Where(b => b.Contains(";; ", StringComparison.Ordinal)).ToList();
            Assert.True(answers.Count == batch.Count, $"dig printed {answers.Count} answers for {batch.Count} questions ({health.Name}):\n{error}\n{text}");
            for (var i = 0; i < batch.Count; i++)
            {
                if (Compare(batch[i], "dig", DigView.Parse(answers[i])) is { } failure)
                {
                    failures.Add(failure);
                }
            }

            asked += batch.Count;
        }

        Output.WriteLine($"dig: {asked} rows asked of the running server");
        Assert.True(failures.Count == 0, $"dig (the running server) disagrees on {failures.Count} of {asked} rows:\n{string.Join("\n", failures)}\nserver output:\n{server.Output}");
    }

    /// <summary>Waits (bounded) until the server's checks are in the states of <paramref name="health"/>, per its admin endpoint.</summary>
    private static async Task WaitForHealthAsync(ServerProcess server, Uri admin, HealthCase health)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var last = "";
        while (true)
        {
            try
            {
                var json = JsonDocument.Parse(await Http.GetStringAsync(new Uri(admin, "health"))).RootElement;
                var states = json.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("state").GetString()!, StringComparer.Ordinal);
                last = string.Join(", ", states.Select(s => $"{s.Key} {s.Value}"));
                if (CheckNames.All(c => states.GetValueOrDefault(c) == (health.Down.Contains(c) ? "down" : "up")))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or SocketException)
            {
                last = ex.Message;
            }

            Assert.False(server.HasExited, "the server exited:\n" + server.Output);
            Assert.True(DateTime.UtcNow < deadline, $"the server's checks never reached '{health.Name}' in 30 s (last: {last})\n{server.Output}");
            await Task.Delay(100);
        }
    }

    // ---- Comparing ----

    private static string? Compare(Row row, string view, DigView seen)
    {
        var problems = new List<string>();
        if (seen.Status != "NOERROR")
        {
            problems.Add($"status {seen.Status}");
        }

        if (seen.QuestionType != row.Type)
        {
            problems.Add($"question type {seen.QuestionType} (answers out of order?)");
        }

        if (!seen.Answer.SequenceEqual([row.Expected.Answer]))
        {
            problems.Add($"answer [{string.Join("; ", seen.Answer)}], expected [{row.Expected.Answer}]");
        }

        if (seen.Subnet != row.Echo)
        {
            problems.Add($"ECS echoed as {seen.Subnet ?? "(none)"}, expected {row.Echo ?? "(none)"} (asked {row.Ecs ?? "no ECS"})");
        }

        if (seen.Scope != row.Expected.Scope)
        {
            problems.Add($"scope {Show(seen.Scope)}, expected {Show(row.Expected.Scope)}");
        }

        return problems.Count == 0 ? null : $"{view}: {row}: {string.Join(", ", problems)}";
    }

    private static string Show(int? scope) => scope?.ToString(CultureInfo.InvariantCulture) ?? "none";

    private sealed record HealthCase(string Name, string[] Down)
    {
        public override string ToString() => Name;
    }

    private sealed record Expectation(string Answer, int? Scope);

    private sealed record Row(HealthCase Health, CityTestFact Fact, string Type, string Client, string? Ecs, Expectation Expected)
    {
        /// <summary>The ECS option the answer must carry: the subnet asked, its bits past the prefix cleared (RFC 7871 section 6).</summary>
        public string? Echo => Ecs is null ? null : Subnet(Ecs[..Ecs.IndexOf('/', StringComparison.Ordinal)], int.Parse(Ecs[(Ecs.IndexOf('/', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture));

        public override string ToString() =>
            $"{Type} {(Ecs is null ? "from " + Client : "ECS " + Ecs)} ({Fact.Address} {Fact.CountryIso ?? "-"}/{Fact.ContinentCode ?? "-"}), {Health.Name}";
    }

    /// <summary>What dig and <c>scriptable query</c> print, reduced to status, question type, answer, echoed subnet and scope.</summary>
    private sealed partial record DigView(string Status, string QuestionType, List<string> Answer, string? Subnet, int? Scope)
    {
        public static DigView Parse(string text)
        {
            var status = StatusPattern().Match(text).Groups[1].Value;
            var question = QuestionPattern().Match(text).Groups[1].Value;
            var subnet = SubnetPattern().Match(text);
            var answer = new List<string>();
            var inAnswer = false;
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                if (line.StartsWith(";; ANSWER SECTION", StringComparison.Ordinal))
                {
                    inAnswer = true;
                }
                else if (line.Length == 0 || line.StartsWith(';'))
                {
                    inAnswer = false;
                }
                else if (inAnswer)
                {
                    answer.Add(Whitespace().Replace(line, " "));
                }
            }

            return new DigView(
                status,
                question,
                answer,
                subnet.Success ? subnet.Groups[1].Value : null,
                subnet.Success ? int.Parse(subnet.Groups[2].Value, CultureInfo.InvariantCulture) : null);
        }

        [GeneratedRegex(@"status: (\w+)")]
        private static partial Regex StatusPattern();

        [GeneratedRegex(@"^;\S+\s+IN\s+(\w+)\s*$", RegexOptions.Multiline)]
        private static partial Regex QuestionPattern();

        [GeneratedRegex(@"CLIENT-SUBNET: (\S+/\d+)/(\d+)")]
        private static partial Regex SubnetPattern();

        [GeneratedRegex(@"\s+")]
        private static partial Regex Whitespace();
    }
}
