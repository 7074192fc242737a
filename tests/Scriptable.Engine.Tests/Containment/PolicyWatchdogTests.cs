using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Containment;
using Scriptable.Engine.Policies;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Containment;

/// <summary>The watchdog's looks, driven with a clock of the test's own (<see cref="PolicyWatchdog.Tick"/>).</summary>
public sealed class PolicyWatchdogTests
{
    private const string Hash = "3f2a9c1e5b7d4f60a1b2c3d4e5f60718293a4b5c6d7e8f9001122334455667";
    private static readonly long Millisecond = Stopwatch.Frequency / 1000;

    private readonly PolicyJournal _journal = PolicyJournal.Create(null, 16);
    private readonly List<string> _exits = [];

    private PolicyWatchdog Watchdog(int maxStuck = 8, int loops = 1) =>
        new(_journal, new WatchdogOptions { Loops = loops, MaxStuckThreads = maxStuck }, NullLogger.Instance, _exits.Add);

    private TrackedVersion Version(string file = "www.csx", double cpuShare = 0.05)
    {
        var tracked = _journal.Register(file, "example.org/" + file, Hash, 1)!;
        tracked.Bench = new PolicyBench();
        tracked.Stats = new PolicyStats(file);
        tracked.BudgetTicks = 10 * Millisecond;
        tracked.CpuShare = cpuShare;
        return tracked;
    }

    private static void Enter(JournalSlot slot, TrackedVersion version, long started) =>
        slot.Enter(version.Id, started, 0, [192, 0, 2, 99], 40000, RawQuery.Build("www.example.org", Scriptable.Engine.Protocol.RecordType.A));

    [Fact]
    public void Tick_RunPastAHundredBudgets_StuckNamedBenchedAndOwnerTold()
    {
        var watchdog = Watchdog();
        var version = Version();
        var slot = _journal.AllocateSlot()!;
        var told = 0;
        slot.Attach(0, () => told++);
        var t0 = 1_000_000 * Millisecond;
        Enter(slot, version, t0);

        watchdog.Tick(t0 + (990 * Millisecond), TimeSpan.Zero);
        Assert.Equal(0, told);
        Assert.False(slot.IsMarkedStuck(slot.Sequence));

        watchdog.Tick(t0 + (1010 * Millisecond), TimeSpan.Zero);
        watchdog.Tick(t0 + (1400 * Millisecond), TimeSpan.Zero);

        Assert.Equal(1, told);
        Assert.True(slot.IsMarkedStuck(slot.Sequence));
        Assert.Equal(BenchReason.Stuck, version.Bench!.Reason);
        Assert.True(version.Bench.IsBenchedAt(t0 + (299 * Stopwatch.Frequency)));
        Assert.Equal(1, watchdog.StuckThreads);
        Assert.Equal(1, watchdog.StuckRuns);
        Assert.Equal(1, watchdog.LoopsReplaced);
        Assert.Equal(1, version.Stats!.Containment.StuckRuns);

        // The stuck call returns: the run is forgotten.
        slot.Exit();
        watchdog.Tick(t0 + (1500 * Millisecond), TimeSpan.Zero);
        Assert.Equal(0, watchdog.StuckThreads);
        Assert.Empty(_exits);
    }

    [Fact]
    public void Tick_ShortBudget_StuckNotBeforeHalfASecond()
    {
        var watchdog = Watchdog();
        var version = Version();
        version.BudgetTicks = Millisecond;
        var slot = _journal.AllocateSlot()!;
        var t0 = 1_000_000 * Millisecond;
        Enter(slot, version, t0);

        watchdog.Tick(t0 + (400 * Millisecond), TimeSpan.Zero);
        Assert.Equal(0, watchdog.StuckRuns);
        watchdog.Tick(t0 + (600 * Millisecond), TimeSpan.Zero);
        Assert.Equal(1, watchdog.StuckRuns);
    }

    [Fact]
    public void Tick_GcPauseDuringTheRun_NotCountedAgainstIt()
    {
        var watchdog = Watchdog();
        var version = Version();
        var slot = _journal.AllocateSlot()!;
        var t0 = 1_000_000 * Millisecond;
        Enter(slot, version, t0);

        watchdog.Tick(t0 + (5 * Millisecond), TimeSpan.FromMilliseconds(1000));

        // Every thread stood still for 300 ms of those 1,100.
        watchdog.Tick(t0 + (1100 * Millisecond), TimeSpan.FromMilliseconds(1300));

        Assert.Equal(0, watchdog.StuckRuns);
    }

    [Fact]
    public void Tick_PolicyOverItsCpuShare_BenchedAfterABurst()
    {
        var watchdog = Watchdog();
        var version = Version();
        var slot = _journal.AllocateSlot()!;
        var now = 1_000_000 * Millisecond;
        watchdog.Tick(now, TimeSpan.Zero);

        // 9 ms runs back to back: the loop is always in the policy when the watchdog looks.
        var throttledAt = -1;
        for (var i = 0; i < 100 && throttledAt < 0; i++)
        {
            Enter(slot, version, now);
            now += 5 * Millisecond;
            watchdog.Tick(now, TimeSpan.Zero);
            slot.Exit();
            if (version.Bench!.IsBenchedAt(now))
            {
                throttledAt = i;
            }
        }

        // A second of credit at 5% is 50 ms of a loop's time: about ten looks.
        Assert.InRange(throttledAt, 8, 12);
        Assert.Equal(BenchReason.Cpu, version.Bench!.Reason);
        Assert.Equal(1, watchdog.Throttles);
    }

    [Fact]
    public void Tick_PolicyThatWouldTakeTheWholeLoop_GetsItsShare()
    {
        var watchdog = Watchdog();
        var version = Version();
        var slot = _journal.AllocateSlot()!;
        var now = 1_000_000 * Millisecond;
        watchdog.Tick(now, TimeSpan.Zero);

        // For a simulated minute, a query to it is always waiting: it runs whenever it is not benched.
        var running = 0;
        const int Looks = 12_000;
        for (var i = 0; i < Looks; i++)
        {
            var runs = !version.Bench!.IsBenchedAt(now);
            if (runs)
            {
                Enter(slot, version, now);
                running++;
            }

            now += 5 * Millisecond;
            watchdog.Tick(now, TimeSpan.Zero);
            slot.Exit();
        }

        // 5% of the loop's time, and the first second's burst.
        Assert.InRange(running / (double)Looks, 0.045, 0.065);
    }

    [Fact]
    public void Tick_PolicyUnderItsShare_NeverBenched()
    {
        var watchdog = Watchdog();
        var version = Version();
        var slot = _journal.AllocateSlot()!;
        var now = 1_000_000 * Millisecond;
        watchdog.Tick(now, TimeSpan.Zero);

        // In the policy at one look in 25 (4%), for a simulated minute.
        for (var i = 0; i < 12_000; i++)
        {
            if (i % 25 == 0)
            {
                Enter(slot, version, now);
            }

            now += 5 * Millisecond;
            watchdog.Tick(now, TimeSpan.Zero);
            slot.Exit();
        }

        Assert.Equal(0, watchdog.Throttles);
        Assert.False(version.Bench!.IsBenchedAt(now));
        Assert.Equal(480 * 5 * Millisecond, version.Stats!.Containment.ObservedTicks);
    }

    [Fact]
    public void Tick_ShareScalesWithLoops()
    {
        // Two loops: 5% of their time is a tenth of one loop's.
        var watchdog = Watchdog(loops: 2);
        var version = Version(cpuShare: 0.05);
        var slot = _journal.AllocateSlot()!;
        var now = 1_000_000 * Millisecond;
        watchdog.Tick(now, TimeSpan.Zero);
        for (var i = 0; i < 12_000; i++)
        {
            if (i % 12 == 0)
            {
                Enter(slot, version, now);
            }

            now += 5 * Millisecond;
            watchdog.Tick(now, TimeSpan.Zero);
            slot.Exit();
        }

        Assert.Equal(0, watchdog.Throttles);
    }

    [Fact]
    public void Tick_MoreStuckThanAllowed_ExitsOnPurposeWithTheCulpritsNamed()
    {
        var watchdog = Watchdog(maxStuck: 1);
        var version = Version();
        var first = _journal.AllocateSlot()!;
        var second = _journal.AllocateSlot()!;
        var t0 = 1_000_000 * Millisecond;
        Enter(first, version, t0);
        Enter(second, version, t0);

        watchdog.Tick(t0 + (5 * Millisecond), TimeSpan.Zero);
        watchdog.Tick(t0 + (1100 * Millisecond), TimeSpan.Zero);

        var why = Assert.Single(_exits);
        Assert.Contains("2 threads are stuck in policy code", why, StringComparison.Ordinal);
        Assert.True(first.IsMarkedStuck(first.Sequence));
        Assert.True(second.IsMarkedStuck(second.Sequence));
    }

    [Fact]
    public void Tick_LoadStuckPastItsLimit_ExitsOnPurpose()
    {
        var watchdog = Watchdog();
        var version = Version();
        var t0 = 1_000_000 * Millisecond;
        _journal.Loader.EnterLoad(version.Id, t0);

        watchdog.Tick(t0 + (29 * Stopwatch.Frequency), TimeSpan.Zero);
        Assert.Empty(_exits);
        watchdog.Tick(t0 + (31 * Stopwatch.Frequency), TimeSpan.Zero);

        Assert.Contains("loading 'www.csx'", Assert.Single(_exits), StringComparison.Ordinal);
        Assert.True(_journal.Loader.IsMarkedStuck(_journal.Loader.Sequence));
    }
}
