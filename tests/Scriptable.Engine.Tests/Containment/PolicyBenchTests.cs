using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Containment;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Model;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Containment;

/// <summary>
/// Finding 6 of issue 14: a policy stopped for stack (about 2 ms each) or memory (16 MiB allocated first) was run
/// again on the next query, so 500 queries per second to it starved every other name. Every budget kind benches.
/// </summary>
public sealed class PolicyBenchTests
{
    [Theory]
    [InlineData("time", "while (true) { }")]
    [InlineData("stack", "int Down(int n) => Down(n + 1) + 1;\nreturn Answer.Address($\"192.0.2.{Down(0)}\");")]
    [InlineData("memory, step by step", "var list = new List<byte[]>();\nwhile (true) list.Add(new byte[1_000_000]);")]
    [InlineData("memory, one array", "var big = new byte[int.MaxValue];\nreturn Answer.Static;")]
    [InlineData("memory, in a finally", "try { return Answer.Static; } finally { var list = new List<int[]>(); while (true) list.Add(new int[100_000]); }")]
    public void Run_BudgetStop_BenchesTheVersion(string kind, string code)
    {
        using var folder = TempFolder.WithExampleZone(("example.org/www.csx", "// scriptable: fallback=static\n" + code));
        using var loader = new FolderLoader(folder.Path);
        var reload = loader.Reload();
        var pipeline = new QueryPipeline(new ServerSnapshot(reload.Zones, new DnsConfig(), reload.Policies.Policies), NullLogger.Instance);
        var context = pipeline.CreateContext();
        var query = RawQuery.Build("www.example.org", RecordType.A);

        for (var i = 0; i < 5; i++)
        {
            context.Reset(query, 0, query.Length, DnsTransport.Udp);
            context.SetClient([192, 0, 2, 99], 40000);
            var length = pipeline.Process(context);
            var answer = Responses.Parse(context.Response.AsSpan(0, length).ToArray());
            Assert.Equal(["www.example.org. 300 IN A 192.0.2.80"], Responses.Lines(answer.AnswerRecords));
        }

        // The first query ran it and was stopped; the four after it were answered by the fallback without running it.
        var stats = reload.Policies.Policies.Bindings.Single().Stats;
        Assert.True(stats.BudgetStops == 1, $"{kind}: {stats.BudgetStops} budget stops in 5 queries: the version was not benched");
        Assert.Equal(5, stats.Fallbacks);
    }

    private static readonly long Second = Stopwatch.Frequency;

    [Fact]
    public void Fail_KeepsFailingAfterEachBench_DoublesUpToAMinute()
    {
        var bench = new PolicyBench();
        var now = 1000 * Second;
        var lengths = new List<long>();
        for (var i = 0; i < 9; i++)
        {
            var length = bench.Fail(BenchReason.Stack, now);
            lengths.Add(length / Second);
            Assert.True(bench.IsBenchedAt(now + length - 1));
            Assert.False(bench.IsBenchedAt(now + length));

            // It fails again on the first query after the bench.
            now += length;
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60], lengths);
        Assert.Equal(BenchReason.Stack, bench.Reason);
    }

    [Fact]
    public void Fail_AfterACleanMinute_StartsOverAtOneSecond()
    {
        var bench = new PolicyBench();
        var now = 1000 * Second;
        now += bench.Fail(BenchReason.Time, now);
        now += bench.Fail(BenchReason.Time, now);
        Assert.Equal(4 * Second, bench.Fail(BenchReason.Memory, now));

        Assert.Equal(Second, bench.Fail(BenchReason.Memory, now + (65 * Second)));
    }

    [Fact]
    public void Fail_WhileBenched_CountsOnce()
    {
        // Several receive loops stopped in the same version at once: one bench, not an escalation per loop.
        var bench = new PolicyBench();
        var now = 1000 * Second;
        Assert.Equal(Second, bench.Fail(BenchReason.Time, now));
        Assert.Equal(0, bench.Fail(BenchReason.Time, now + 10));
        Assert.Equal(0, bench.Fail(BenchReason.Stack, now + 20));
        Assert.Equal(1, bench.Benches);
        Assert.Equal(BenchReason.Time, bench.Reason);
    }

    [Fact]
    public void Stuck_BenchesForMinutes_AndOutlastsAShorterBench()
    {
        var bench = new PolicyBench();
        var now = 1000 * Second;
        bench.Fail(BenchReason.Time, now);
        Assert.Equal(300 * Second, bench.Stuck(now + 10));
        Assert.True(bench.IsBenchedAt(now + (299 * Second)));
        Assert.Equal(BenchReason.Stuck, bench.Reason);

        // A CPU throttle shorter than the bench changes nothing.
        Assert.False(bench.Throttle(now + (5 * Second)));
        Assert.Equal(600 * Second, bench.Stuck(now + (400 * Second)));
    }
}
