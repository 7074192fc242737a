using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;
using Xunit.Abstractions;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// Policies that used to kill or hang the whole server (issue 14, findings 2 to 4: compiler-written code, the
/// stack, host code reading user code), served together by one real <c>scriptable</c> process with a single
/// UDP loop. Each row asks its name and then checks that the process is alive and the loop still answers
/// another name: a row that crashes or hangs the server fails itself and every row after it.
/// </summary>
public sealed class ContainmentServerTests(ContainmentServerTests.Server server, ITestOutputHelper output) : IClassFixture<ContainmentServerTests.Server>
{
    private const string Node = "record Node { public Node? Next { get; set; } }\n";
    private const string Bad = "class Bad : Exception { public override string Message { get { while (true) { } } } }\n";
    private const string Loopy = "class Loopy { public override string ToString() { while (true) { } } }\n";

    // Nested structs that double at each level: S20 is 16 MiB.
    private static readonly string BigStructs = string.Concat(Enumerable.Range(1, 20).Select(i => $"struct S{i} {{ public S{i - 1} A, B; }}\n")) + "struct S0 { public long A, B; }\n";

    /// <summary>Name (label under example.org), policy text, expected answer ("NXDOMAIN" is the fallback).</summary>
    public static readonly TheoryData<string, string, string> Cases = new()
    {
        // 2. Compiler-written code: record members, query clauses.
        { "record-hash", Node + "var n = new Node(); n.Next = n;\nreturn Answer.Address(\"192.0.2.\" + (n.GetHashCode() & 7));", "NXDOMAIN" },
        { "record-equals", Node + "var a = new Node(); a.Next = a; var b = new Node(); b.Next = b;\nreturn a == b ? Answer.Address(\"192.0.2.1\") : Answer.Static;", "NXDOMAIN" },
        { "record-tostring", Node + "var n = new Node(); n.Next = n;\nreturn Answer.Address(\"192.0.2.\" + (n.ToString().Length & 7));", "NXDOMAIN" },
        { "record-static", Node + "static readonly int H = Make().GetHashCode();\nstatic Node Make() { var n = new Node(); n.Next = n; return n; }\nreturn Answer.Address(\"192.0.2.1\");", "NXDOMAIN" },
        { "query-from", "return Answer.Address(\"192.0.2.\" + ((from a in Enumerable.Range(0, 100000) from b in Enumerable.Range(0, 100000) select a ^ b).Count() & 7));", "NXDOMAIN" },
        { "query-let", "return Answer.Address(\"192.0.2.\" + ((from x in Enumerable.Range(0, int.MaxValue) let y = x * 2 select y).Max() & 7));", "NXDOMAIN" },
        { "query-join", "return Answer.Address(\"192.0.2.\" + ((from a in Enumerable.Range(0, 60000) join b in Enumerable.Range(0, 60000) on a % 2 equals b % 2 select a + b).Count() & 7));", "NXDOMAIN" },

        // 3. The stack: frames too big for any stack, and framework recursion over what a policy may build.
        { "struct-local", BigStructs + "S20 s = default;\ns.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A = 1;\nreturn Answer.Address(\"192.0.2.\" + (s.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A & 7));", "NXDOMAIN" },
        { "struct-tuple", BigStructs + "(S19, S19) t = default;\nreturn Answer.Address(\"192.0.2.\" + (t.Item1.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A & 7));", "NXDOMAIN" },
        { "struct-nullable", BigStructs + "S20? n = default(S20);\nreturn Answer.Address(\"192.0.2.\" + (n.HasValue ? 1 : 2));", "NXDOMAIN" },
        { "struct-inferred", "static (T, T) D<T>(T x) => (x, x);\nvar big = D(D(D(D(D(D(D(D(D(D(D(D(D(D(0L))))))))))))));\nreturn Answer.Address(\"192.0.2.\" + (big.Item1.Item1.Item1.Item1.Item1.Item1.Item1.Item1.Item1.Item1.Item1.Item1.Item1.Item1 & 7));", "NXDOMAIN" },
        { "generic-recursion", "static (T, T) D<T>(T x) => (x, x);\nstatic int F<T>(T x, int n) => n == 0 ? 0 : F(D(D(D(D(x)))), n - 1);\nreturn Answer.Address(\"192.0.2.\" + (F(0L, 40) & 7));", "NXDOMAIN" },
        { "distinct-chain", "// scriptable: time=5s cpu=100%\nIEnumerable<int> q = new[] { 1 };\nfor (var i = 0; i < 200_000; i++) q = q.Distinct();\nreturn Answer.Address(\"192.0.2.\" + q.Count());", "192.0.2.1" },

        // 4. Host code reading user code: exception texts, static initialisation.
        { "message-loop", Bad + "throw new Bad();", "NXDOMAIN" },
        { "message-static", Bad + "static readonly int X = Boom();\nstatic int Boom() => throw new Bad();\nreturn Answer.Address(\"192.0.2.1\");", "NXDOMAIN" },
        { "actual-value", Loopy + "throw new ArgumentOutOfRangeException(\"x\", new Loopy(), \"bad\");", "NXDOMAIN" },
        { "aggregate", Bad + "throw new AggregateException(new Bad());", "NXDOMAIN" },
        { "type-initializer", Bad + "static class Late { public static readonly int V = Boom(); static int Boom() => throw new Bad(); }\nreturn Answer.Address(\"192.0.2.\" + Late.V);", "NXDOMAIN" },
        // Framework work no budget reaches, in a static initialiser: the text of 200,000 nested tuples, built by framework
        // code concatenating ever longer strings (about 10^11 chars copied). (A backtracking regex no longer does: every
        // regex gets a match timeout, an author's infinite one included.)
        { "static-stuck", "static readonly int M = Build().ToString()!.Length; static object Build() { object t = 1; for (var i = 0; i < 200_000; i++) t = (t, 1); return t; }\nreturn Answer.Address(\"192.0.2.1\");", "NXDOMAIN" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Query_Runaway_ServerSurvivesAndOthersAnswer(string name, string policy, string expected)
    {
        _ = policy;
        var answer = await server.AskAsync(name + ".example.org", tcp: false);
        output.WriteLine($"{name}: {answer}");
        Assert.True(answer.Contains(expected, StringComparison.Ordinal), $"{name}: {answer}\n{server.Process.Output}");
        await server.AssertAliveAsync();
    }

    [Fact]
    public async Task Tcp_DistinctChain_AnsweredOnAPoolThread()
    {
        var answer = await server.AskAsync("distinct-chain.example.org", tcp: true);
        Assert.Contains("192.0.2.1", answer, StringComparison.Ordinal);
        await server.AssertAliveAsync();
    }

    [Fact]
    public async Task Load_StuckStaticInitialiser_RejectedAtItsLineAndLaterEditsApply()
    {
        var output = server.Process.Output;
        Assert.Contains("static-stuck.csx(2,", output, StringComparison.Ordinal);
        Assert.Contains("SCR0210", output, StringComparison.Ordinal);

        // The reload lock is free: a new file is served.
        File.WriteAllText(Path.Combine(server.Folder.Path, "example.org", "later.csx"), "return Answer.Address(\"192.0.2.99\");");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string answer;
        do
        {
            await Task.Delay(100);
            answer = await server.AskAsync("later.example.org", tcp: false);
        }
        while (!answer.Contains("192.0.2.99", StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(20));

        Assert.Contains("192.0.2.99", answer, StringComparison.Ordinal);
    }

    /// <summary>Saved while serving (the reload path, not the start): a cyclic record hashed by a static initialiser.</summary>
    [Fact]
    public async Task Save_CyclicRecordInStaticInitialiser_RejectedAndServerStays()
    {
        var policy = (string)Cases.Single(row => (string)row[0] == "record-static")[1];
        File.WriteAllText(Path.Combine(server.Folder.Path, "example.org", "saved-record.csx"), "// scriptable: fallback=nxdomain\n" + policy);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!server.Process.Output.Contains("saved-record.csx(3,1): error SCR0200", StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(30) && !server.Process.HasExited)
        {
            await Task.Delay(100);
        }

        Assert.Contains("saved-record.csx(3,1): error SCR0200", server.Process.Output, StringComparison.Ordinal);
        Assert.Equal("NXDOMAIN", await server.AskAsync("saved-record.example.org", tcp: false));
        await server.AssertAliveAsync();
    }

    [Theory]
    [InlineData("message-static", "SCR0200", "Bad")]
    [InlineData("record-static", "SCR0200", "stack budget")]
    [InlineData("struct-local", "SCR0212", "S20")]
    [InlineData("generic-recursion", "SCR0213", "F")]
    public void Load_RejectedVersion_DiagnosticNamesTheCause(string name, string id, string text)
    {
        // At a line of the policy: "name.csx(line,col): error id: ...".
        var lines = server.Process.Output.Split('\n').Where(l => l.Contains(name + ".csx(", StringComparison.Ordinal) && l.Contains(id, StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count > 0, server.Process.Output);
        Assert.Contains(lines, l => l.Contains(text, StringComparison.Ordinal));
    }

    /// <summary>The pool's threads (TCP queries) get the stack the policy threads are sized for.</summary>
    [Fact]
    public void RuntimeConfig_DefaultStackSize_IsThePolicyThreadStack()
    {
        var file = Path.ChangeExtension(ServerProcess.ProgramPath, ".runtimeconfig.json");
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        var value = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").GetProperty("System.Threading.DefaultStackSize");

        Assert.Equal(Scriptable.Engine.Policies.PolicyThreads.StackBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : value.GetRawText());
    }

    /// <summary>
    /// With the trial (the default), a static initialiser stuck in framework code ran in the trial's child, never
    /// in the server: no initialisation thread of the server is left behind.
    /// </summary>
    [Fact]
    public void Load_StuckStaticInitialiser_NeverRunsInTheServer()
    {
        Assert.Contains("static-stuck.csx(2,", server.Process.Output, StringComparison.Ordinal);
        Assert.Empty(PolicyInitNices(server.Process.Id));
    }

    /// <summary>Without the trial, the initialisation thread left stuck in framework code runs at the lowest priority (nice 19).</summary>
    [Fact]
    public async Task Load_StuckStaticInitialiser_WithoutTrial_ThreadDemoted()
    {
        var policy = (string)Cases.Single(row => (string)row[0] == "static-stuck")[1];
        using var folder = TempFolder.WithExampleZone(("example.org/static-stuck.csx", policy));
        await using var process = ServerProcess.Start(folder.Path, new Dictionary<string, string> { ["SCRIPTABLE_Policy__Trial__Enabled"] = "false" },
            "serve", "--listen", "127.0.0.1:0", "--policies", folder.Path);
        await process.WaitListeningAsync();

        Assert.Contains("static-stuck.csx(1,", process.Output, StringComparison.Ordinal);
        Assert.Contains("19", PolicyInitNices(process.Id));
    }

    /// <summary>The nice values of the process's threads named policy-init (read from /proc).</summary>
    private static List<string> PolicyInitNices(int pid)
    {
        Assert.True(OperatingSystem.IsLinux(), "thread priorities are read from /proc (the server's platform)");
        var nices = new List<string>();
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == "policy-init")
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    nices.Add(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16]);
                }
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return nices;
    }

    /// <summary><c>scriptable query</c> runs policies on its own big-stack thread, not on the 8 MiB main thread.</summary>
    [Fact]
    public async Task Cli_DistinctChain_AnsweredOnTheToolThread()
    {
        var policy = (string)Cases.Single(row => (string)row[0] == "distinct-chain")[1];
        using var folder = TempFolder.WithExampleZone(("example.org/distinct-chain.csx", policy));
        var (exit, text) = await ServerProcess.RunAsync(folder.Path, "query", "distinct-chain.example.org", "-p", folder.Path);

        Assert.True(exit == 0, text);
        Assert.Contains("192.0.2.1", text, StringComparison.Ordinal);
    }

    /// <summary>One server for the class: every case as its own name, fallback NXDOMAIN, one UDP loop.</summary>
    public sealed class Server : IAsyncLifetime
    {
        private System.Net.IPEndPoint? _endPoint;

        public TempFolder Folder { get; } = TempFolder.WithExampleZone();

        public ServerProcess Process { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            foreach (var row in Cases)
            {
                Folder.Write($"example.org/{row[0]}.csx", "// scriptable: fallback=nxdomain\n" + (string)row[1]);
            }

            Process = ServerProcess.Start(Folder.Path, new Dictionary<string, string> { ["SCRIPTABLE_UdpThreads"] = "1", ["SCRIPTABLE_RescanSeconds"] = "0.5" },
                "serve", "--listen", "127.0.0.1:0", "--policies", Folder.Path);
            _endPoint = await Process.WaitListeningAsync(180000);
        }

        /// <summary>Asks a name; the rcode or the last answer record, or "no answer".</summary>
        public async Task<string> AskAsync(string name, bool tcp)
        {
            var query = RawQuery.Build(name, RecordType.A);
            byte[]? response;
            try
            {
                response = tcp ? await DnsWire.TcpAsync(_endPoint!, query).WaitAsync(TimeSpan.FromSeconds(10)) : await DnsWire.UdpAsync(_endPoint!, query, 10000);
            }
            catch (Exception ex) when (ex is TimeoutException or System.Net.Sockets.SocketException or IOException)
            {
                response = null;
            }

            if (response is null)
            {
                return "no answer" + (Process.HasExited ? $" (the server exited with {Process.ExitCode})" : "");
            }

            var message = Responses.Parse(response);
            return message.AnswerRecords.Count == 0 ? message.ReturnCode.ToString().ToUpperInvariant() : message.AnswerRecords[^1].ToString();
        }

        /// <summary>The process runs and its only UDP loop answers a static name.</summary>
        public async Task AssertAliveAsync()
        {
            Assert.False(Process.HasExited, "the server exited\n" + Process.Output);
            Assert.Contains("192.0.2.25", await AskAsync("mail.example.org", tcp: false), StringComparison.Ordinal);
        }

        public async Task DisposeAsync()
        {
            if (Process is not null)
            {
                await Process.DisposeAsync();
            }

            Folder.Dispose();
        }
    }
}
