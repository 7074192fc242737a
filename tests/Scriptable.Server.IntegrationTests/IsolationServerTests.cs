using System.Diagnostics;
using Scriptable.Engine.Isolation;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;
using Xunit.Abstractions;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// <c>Policy:Isolation</c> = <c>Process</c> on a real server (one UDP loop, two worker processes, the trial on):
/// policies that pass their trial but misbehave for one client (ECS 198.51.100.77/32, which no trial question
/// uses) in ways the budget does not stop. The bad name answers its fallback, the worker is killed and replaced
/// when it was lost, the version is benched, and every other name, isolated or not, keeps answering.
/// </summary>
public sealed class IsolationServerTests(IsolationServerTests.Server server, ITestOutputHelper output) : IClassFixture<IsolationServerTests.Server>
{
    /// <summary>The client whose questions make the bad policies misbehave.</summary>
    public const string Trigger = "198.51.100.77/32";

    private const string When = "if (ctx.Client.Subnet?.ToString() == \"" + Trigger + "\") ";

    /// <summary>Name (under example.org), policy, and what stops it: "lost" (the worker is killed, or dies), or "budget" (the budget, in the worker).</summary>
    public static readonly TheoryData<string, string, string> Cases = new()
    {
        // Work inside framework code, which no budget interrupts (the text of 200,000 nested tuples, built by
        // concatenating ever longer strings): the query answers at its deadline, the worker is killed after its grace.
        { "framework-tuple", "static readonly object Nest = Build();\nstatic object Build() { object t = 1; for (var i = 0; i < 200_000; i++) t = (t, 1); return t; }\n"
            + When + "return Answer.Address(\"192.0.2.\" + (Nest.ToString()!.Length & 127));\nreturn Answer.Address(\"192.0.2.31\");", "lost" },

        // Memory without bound through a framework call: the sandbox's guard stops it before the framework allocates.
        { "framework-join", When + "return Answer.Address(\"192.0.2.\" + (string.Join(\",\", Enumerable.Range(0, 200_000_000)).Length & 127));\nreturn Answer.Address(\"192.0.2.33\");", "budget" },

        // Compiler-written recursion (a cyclic record's GetHashCode): the IL pass's stack budget stops it in the worker.
        { "record-hash", "record Node { public Node? Next { get; set; } }\n" + When + "{ var n = new Node(); n.Next = n; return Answer.Address(\"192.0.2.\" + (n.GetHashCode() & 127)); }\nreturn Answer.Address(\"192.0.2.34\");", "budget" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Query_MisbehavesInItsWorker_FallbackAnsweredAndOthersKeepAnswering(string name, string policy, string stoppedBy)
    {
        _ = policy;
        await server.WorkersReadyAsync();
        var workers = server.Instance.Server.Workers;
        var stats = server.Binding(name).Stats;
        var lossesBefore = workers.Losses;
        var startsBefore = workers.Starts;
        var stopsBefore = stats.BudgetStops;

        var answer = await server.AskAsync(name + ".example.org", Trigger);
        output.WriteLine($"{name}: {answer}; budget stops {stopsBefore} -> {stats.BudgetStops}");
        Assert.Equal("NXDOMAIN", answer);
        await server.AssertOthersAnswerAsync();

        if (stoppedBy == "budget")
        {
            // Stopped by its budget in the worker, which answered and serves on.
            Assert.True(stats.BudgetStops > stopsBefore, $"{name}: not stopped\n{server.Log}");
            await Task.Delay(WorkerSettings.KillAfterMilliseconds(WorkerSettings.MinDeadlineMilliseconds));
            Assert.True(workers.Losses == lossesBefore, $"{name}: a worker was lost\n{server.Log}");
        }
        else
        {
            // Past its deadline the query answered the fallback and the version was benched; the worker, still busy
            // past the grace period (or dead of its heap limit), was killed and a new one took its place.
            Assert.True(server.Binding(name).Version!.Bench.Benches > 0, $"{name}: the version was not benched");
            await TransportTests.WaitUntil(() => workers.Losses > lossesBefore, "the worker killed", 30_000);
            await TransportTests.WaitUntil(() => workers.Starts > startsBefore && workers.ProcessIds.Count == 2, "a new worker", 60_000);
        }

        // Its ordinary questions are answered again once its bench is over (by whichever worker is free).
        var again = "";
        for (var deadline = Environment.TickCount64 + 30_000; !again.StartsWith("192.0.2.", StringComparison.Ordinal) && Environment.TickCount64 < deadline; await Task.Delay(200))
        {
            again = await server.AskAsync(name + ".example.org", null);
        }

        Assert.StartsWith("192.0.2.", again, StringComparison.Ordinal);
    }

    /// <summary>A worker killed from outside while it answers (as a crash would end it): that query answers the fallback at once.</summary>
    [Fact]
    public async Task Query_WorkerKilledWhileAnswering_FallbackAnsweredAndWorkerReplaced()
    {
        await server.WorkersReadyAsync();
        var workers = server.Instance.Server.Workers;
        var before = workers.ProcessIds;
        var startsBefore = workers.Starts;

        // A policy held in framework code, whose query waits up to 25 s (its time budget is 5 s): time to kill its worker under it.
        var asking = server.AskAsync("slow.example.org", Trigger, timeoutMs: 40_000);
        await TransportTests.WaitUntil(() => server.Instance.Server.Workers.ProcessIds.Count == 2 && Busy(before), "a worker busy with the question", 20_000);
        foreach (var pid in before)
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }

        Assert.Equal("NXDOMAIN", await asking);
        await TransportTests.WaitUntil(() => workers.Starts >= startsBefore + before.Count && workers.ProcessIds.Count == 2, "new workers", 60_000);
        Assert.DoesNotContain(workers.ProcessIds, before.Contains);
        Assert.Contains("died while answering slow.example.org. A", server.Log, StringComparison.Ordinal);
        await server.AssertOthersAnswerAsync();
    }

    /// <summary>When the server runs as root, its workers do not: they run as nobody, with no way back to more privileges.</summary>
    [Fact]
    public void Workers_ServerIsRoot_RunAsNobodyWithNoNewPrivileges()
    {
        Assert.True(WorkerUser.IsRoot, "this test needs the server to run as root (the test machine's user)");
        foreach (var pid in server.Instance.Server.Workers.ProcessIds)
        {
            var status = File.ReadAllLines($"/proc/{pid}/status");
            Assert.Contains(status, l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1..].All(id => id == "65534"));
            Assert.Contains(status, l => l.StartsWith("NoNewPrivs:", StringComparison.Ordinal) && l.EndsWith('1'));
            Assert.Contains(status, l => l.StartsWith("Groups:", StringComparison.Ordinal) && l.Trim() == "Groups:");
        }
    }

    /// <summary>The server's environment (secrets such as an admin token) does not reach the workers.</summary>
    [Fact]
    public void Workers_Environment_HoldsNothingOfTheServers()
    {
        Assert.False(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PATH")));
        foreach (var pid in server.Instance.Server.Workers.ProcessIds)
        {
            var names = File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries).Select(v => v[..v.IndexOf('=', StringComparison.Ordinal)]).ToList();
            Assert.Contains("DOTNET_GCHeapHardLimit", names);
            Assert.All(names, n => Assert.True(n is "PATH" or "HOME" or "LANG" or "LC_ALL" or "TZ" or "DOTNET_ROOT" || n.StartsWith("DOTNET_", StringComparison.Ordinal), n));
        }
    }

    /// <summary>True when a thread of one of the worker processes is running (the slow policy is at work).</summary>
    private static bool Busy(IReadOnlyList<int> pids)
    {
        foreach (var pid in pids)
        {
            foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('R'))
                    {
                        return true;
                    }
                }
                catch (IOException)
                {
                    // The thread ended meanwhile.
                }
            }
        }

        return false;
    }

    /// <summary>One server for the class: the cases, a slow policy, a good isolated one; fallback NXDOMAIN.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public TestServer Instance { get; private set; } = null!;

        public string Log => string.Join('\n', Instance.Logs.Messages);

        public async Task InitializeAsync()
        {
            var files = new List<(string, string)>();
            foreach (var row in Cases)
            {
                files.Add(($"example.org/{row[0]}.csx", "// scriptable: fallback=nxdomain\n" + (string)row[1]));
            }

            files.Add(("example.org/slow.csx", "// scriptable: fallback=nxdomain time=5s\nstatic readonly object Nest = Build();\nstatic object Build() { object t = 1; for (var i = 0; i < 200_000; i++) t = (t, 1); return t; }\n"
                + When + "return Answer.Address(\"192.0.2.\" + (Nest.ToString()!.Length & 127));\nreturn Answer.Address(\"192.0.2.35\");"));
            files.Add(("example.org/good.csx", "static readonly Answer A = Answer.Address(\"192.0.2.36\", \"192.0.2.37\").WithTtl(30).Rotated();\nreturn A;"));
            Instance = await TestServer.StartWithFilesAsync(files, o =>
            {
                o.UdpThreads = 1;
                o.RescanSeconds = 60;
                o.Policy.Isolation = PolicyIsolation.Process;
            });
        }

        /// <summary>Waits until both workers serve (after a test that lost one).</summary>
        public Task WorkersReadyAsync() => TransportTests.WaitUntil(() => Instance.Server.Workers.ProcessIds.Count == 2, "two workers", 60_000);

        /// <summary>The policy serving <paramref name="label"/>.example.org.</summary>
        public Scriptable.Engine.Policies.PolicyBinding Binding(string label) =>
            Instance.Server.Pipeline.Snapshot.Policies.Find(DnsName.Parse(label + ".example.org."))!;

        /// <summary>Asks an A question, with an ECS subnet when given: the rcode or the last address.</summary>
        public async Task<string> AskAsync(string name, string? subnet, int timeoutMs = 10_000)
        {
            var query = RawQuery.Build(name, RecordType.A, edns: subnet is null ? null : new Edns(Options: [RawQuery.Ecs(subnet)]));
            var response = await DnsWire.UdpAsync(Instance.Udp, query, timeoutMs);
            if (response is null)
            {
                return "no answer";
            }

            var message = Responses.Parse(response);
            return message.AnswerRecords.Count == 0 ? message.ReturnCode.ToString().ToUpperInvariant() : ((ARSoft.Tools.Net.Dns.ARecord)message.AnswerRecords[^1]).Address.ToString();
        }

        /// <summary>A zone name, an isolated policy and the static data still answer.</summary>
        public async Task AssertOthersAnswerAsync()
        {
            Assert.Equal("192.0.2.25", await AskAsync("mail.example.org", null));
            Assert.StartsWith("192.0.2.3", await AskAsync("good.example.org", Trigger), StringComparison.Ordinal);
            Assert.StartsWith("192.0.2.3", await AskAsync("good.example.org", null), StringComparison.Ordinal);
        }

        public async Task DisposeAsync()
        {
            if (Instance is not null)
            {
                await Instance.DisposeAsync();
            }
        }
    }
}
