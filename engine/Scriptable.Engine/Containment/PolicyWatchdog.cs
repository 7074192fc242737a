using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;

namespace Scriptable.Engine.Containment;

/// <summary>
/// One thread that looks at every journal slot every few milliseconds. It is a sampling profiler of the receive
/// loops: each look charges the interval to the version a slot is running, so a policy's share of the loops' time
/// is measured at no cost to queries, including time in framework code and in runs that never return, and a
/// policy over its share is benched for as long as it takes to bring it back under (a generic cell rate: bursts up
/// to <see cref="WatchdogOptions.CpuTolerance"/> at its share). A run still in its policy after
/// <see cref="WatchdogOptions.StuckAfterBudgets"/> times its budget is stuck: the journal names it, its version is
/// benched for long, its thread gets the lowest priority, and its owner is told (a UDP loop starts a fresh loop on
/// the same socket; the stuck thread exits when it returns). More stuck threads than
/// <see cref="WatchdogOptions.MaxStuckThreads"/> and the server exits on purpose, the journal naming the culprits,
/// so the restart quarantines them.
/// </summary>
internal sealed partial class PolicyWatchdog : IDisposable
{
    private static readonly long BurstTicks = 10 * Stopwatch.Frequency;

    private readonly PolicyJournal _journal;
    private readonly WatchdogOptions _options;
    private readonly ILogger _logger;
    private readonly Action<string> _exitOnPurpose;
    private readonly long _intervalTicks;
    private readonly long _minimumStuckTicks;
    private readonly long _stuckLoadTicks;
    private readonly long _toleranceTicks;
    private readonly List<StuckRun> _stuck = [];
    private uint[] _seen = [];
    private long[] _seenPause = [];
    private bool[] _handled = [];
    private long _lastTick;
    private long _stuckRuns;
    private long _replaced;
    private long _throttles;
    private int _stuckNow;
    private volatile bool _stopping;
    private bool _exiting;
    private Thread? _thread;

    /// <summary>
    /// Creates a watchdog over <paramref name="journal"/>; <paramref name="exitOnPurpose"/> ends the process (the
    /// server's: log, then exit with a failure code so the service manager restarts it).
    /// </summary>
    public PolicyWatchdog(PolicyJournal journal, WatchdogOptions options, ILogger logger, Action<string> exitOnPurpose)
    {
        _journal = journal;
        _options = options;
        _logger = logger;
        _exitOnPurpose = exitOnPurpose;
        _intervalTicks = Ticks(options.Interval);
        _minimumStuckTicks = Ticks(options.MinimumStuck);
        _stuckLoadTicks = Ticks(options.StuckLoad);
        _toleranceTicks = Ticks(options.CpuTolerance);
    }

    /// <summary>Runs found stuck so far.</summary>
    public long StuckRuns => Interlocked.Read(ref _stuckRuns);

    /// <summary>Stuck runs that have not come back yet (their threads still in policy code).</summary>
    public int StuckThreads => Volatile.Read(ref _stuckNow);

    /// <summary>Receive loops replaced by a fresh one.</summary>
    public long LoopsReplaced => Interlocked.Read(ref _replaced);

    /// <summary>Times a policy was benched for its CPU share.</summary>
    public long Throttles => Interlocked.Read(ref _throttles);

    /// <summary>Starts the watchdog's thread.</summary>
    public void Start()
    {
        _lastTick = Stopwatch.GetTimestamp();
        _thread = new Thread(Loop) { IsBackground = true, Name = "policy-watchdog" };
        _thread.Start();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping = true;
        _thread?.Join(TimeSpan.FromSeconds(2));
    }

    private void Loop()
    {
        while (!_stopping)
        {
            // A little jitter: no policy can line its work up with the looks.
            Thread.Sleep(_options.Interval + TimeSpan.FromTicks(Random.Shared.NextInt64(TimeSpan.TicksPerMillisecond)));
            try
            {
                Tick(Stopwatch.GetTimestamp(), GC.GetTotalPauseDuration());
            }
            catch (Exception ex)
            {
                // The watchdog must outlive its own bugs.
                LogWatchdogFailed(ex);
            }
        }
    }

    /// <summary>
    /// One look at every slot at <paramref name="now"/>, with <paramref name="gcPause"/> the process's total GC pause
    /// so far (a pause stops every thread: it is not counted against a run). Called by the thread; tests call it
    /// with their own clock.
    /// </summary>
    public void Tick(long now, TimeSpan gcPause)
    {
        var elapsed = Math.Clamp(now - _lastTick, 0, 4 * _intervalTicks);
        _lastTick = now;
        var pause = Ticks(gcPause);
        var count = _journal.SlotsInUse;
        if (_seen.Length < count)
        {
            Array.Resize(ref _seen, _journal.SlotCount);
            Array.Resize(ref _seenPause, _journal.SlotCount);
            Array.Resize(ref _handled, _journal.SlotCount);
        }

        for (var i = 0; i < count; i++)
        {
            var slot = _journal.Slot(i);
            var id = slot.VersionId;
            if (id == 0)
            {
                continue;
            }

            var sequence = slot.Sequence;
            var start = slot.Start;
            if (slot.VersionId != id || slot.Sequence != sequence || _journal.Version(id) is not { } tracked)
            {
                // It moved on while we looked.
                continue;
            }

            if (_seen[i] != sequence)
            {
                _seen[i] = sequence;
                _seenPause[i] = pause;
                _handled[i] = false;
            }

            var ran = now - start - (pause - _seenPause[i]);
            if (i == 0)
            {
                if (!_handled[i] && ran > _stuckLoadTicks)
                {
                    _handled[i] = true;
                    OnStuckLoad(slot, sequence, tracked, ran);
                }

                continue;
            }

            tracked.Stats?.Containment.AddObserved(elapsed);
            if (_handled[i])
            {
                // Stuck and benched already: nothing more to charge.
                continue;
            }

            if (ran > StuckTicks(tracked))
            {
                _handled[i] = true;
                OnStuck(slot, sequence, tracked, ran, now);
                continue;
            }

            Charge(tracked, elapsed, now);
        }

        ForgetReturned(now);
    }

    private long StuckTicks(TrackedVersion tracked) =>
        Math.Max(_minimumStuckTicks, (long)(tracked.BudgetTicks * _options.StuckAfterBudgets));

    /// <summary>Charges <paramref name="elapsed"/> of a loop's time to a version; benches it while it is over its share.</summary>
    private void Charge(TrackedVersion tracked, long elapsed, long now)
    {
        var limit = tracked.CpuShare * Math.Max(1, _options.Loops);
        if (tracked.CpuShare >= 1 || limit <= 0 || tracked.Bench is not { } bench)
        {
            return;
        }

        var paid = Math.Max(tracked.CpuPaidUntil, now) + (long)(elapsed / limit);
        tracked.CpuPaidUntil = paid;
        if (paid - now <= _toleranceTicks || !bench.Throttle(paid - _toleranceTicks))
        {
            return;
        }

        Interlocked.Increment(ref _throttles);
        tracked.Stats?.Containment.CountBench(BenchReason.Cpu);
        if (now - tracked.LastThrottleLog >= BurstTicks || tracked.LastThrottleLog == long.MinValue)
        {
            tracked.LastThrottleLog = now;
            LogThrottled(tracked.File, tracked.Revision, tracked.CpuShare * 100, (paid - _toleranceTicks - now) / (double)Stopwatch.Frequency);
        }
    }

    private void OnStuck(JournalSlot slot, uint sequence, TrackedVersion tracked, long ran, long now)
    {
        // First the journal: if anything below kills the process, the next start knows the culprit.
        slot.MarkStuck(sequence);
        Interlocked.Increment(ref _stuckRuns);
        var benched = tracked.Bench?.Stuck(now) ?? 0;
        if (tracked.Stats is { } stats)
        {
            stats.Containment.CountStuck();
            stats.Containment.CountBench(BenchReason.Stuck);
        }

        var threadId = slot.ThreadId;
        var lowered = Policies.PolicyThreads.Demote(threadId);
        var replace = slot.StuckAction;
        if (replace is not null)
        {
            replace();
            Interlocked.Increment(ref _replaced);
        }

        _stuck.Add(new StuckRun(slot, sequence, tracked, now));
        Volatile.Write(ref _stuckNow, _stuck.Count);
        LogStuck(tracked.File, tracked.Revision, ran / (double)Stopwatch.Frequency * 1000, QuestionOf(slot),
            replace is not null ? "replaced by a fresh loop" : "left to finish (the pool serves the other connections)",
            benched / (double)Stopwatch.Frequency, lowered ? $"thread {threadId} now runs at the lowest priority" : "its priority is unchanged", _stuck.Count, _options.MaxStuckThreads);
        if (_stuck.Count > _options.MaxStuckThreads)
        {
            ExitOnPurpose($"{_stuck.Count} threads are stuck in policy code (the most allowed: {_options.MaxStuckThreads})");
        }
    }

    private void OnStuckLoad(JournalSlot slot, uint sequence, TrackedVersion tracked, long ran)
    {
        slot.MarkStuck(sequence);
        Interlocked.Increment(ref _stuckRuns);
        ExitOnPurpose($"loading '{tracked.File}' (its static fields) has run for {ran / (double)Stopwatch.Frequency:F0} s and holds the reload lock");
    }

    private void ExitOnPurpose(string why)
    {
        if (_exiting)
        {
            return;
        }

        _exiting = true;
        _journal.Abandon();
        LogExiting(why);
        _exitOnPurpose(why);
    }

    /// <summary>Stuck runs whose thread came back: the UDP loop they belonged to has exited by now.</summary>
    private void ForgetReturned(long now)
    {
        for (var i = _stuck.Count - 1; i >= 0; i--)
        {
            var run = _stuck[i];
            if (run.Slot.VersionId == run.Tracked.Id && run.Slot.Sequence == run.Sequence)
            {
                continue;
            }

            _stuck.RemoveAt(i);
            LogReturned(run.Tracked.File, run.Tracked.Revision, (now - run.Since) / (double)Stopwatch.Frequency);
        }

        Volatile.Write(ref _stuckNow, _stuck.Count);
    }

    private static string QuestionOf(JournalSlot slot)
    {
        var query = slot.Query();
        var run = new InFlightRun(new JournalVersion(0, "", "", 0, false), default, false, false, "", null, 0, query);
        return run.QuestionName();
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private sealed record StuckRun(JournalSlot Slot, uint Sequence, TrackedVersion Tracked, long Since);

    [LoggerMessage(EventId = EventIds.PolicyStuck, EventName = nameof(EventIds.PolicyStuck), Level = LogLevel.Error,
        Message = "A query has been stuck in policy '{File}' revision {Revision} for {Milliseconds:F0} ms (question {Question}), in code its budget cannot stop: its loop is {Loop}; the policy is benched for {Seconds:F0} s; {Priority}. Stuck threads now: {Stuck} (at most {Max}).")]
    private partial void LogStuck(string file, int revision, double milliseconds, string question, string loop, double seconds, string priority, int stuck, int max);

    [LoggerMessage(EventId = EventIds.PolicyStuckReturned, EventName = nameof(EventIds.PolicyStuckReturned), Level = LogLevel.Information,
        Message = "The query stuck in policy '{File}' revision {Revision} returned after {Seconds:F1} s; its thread has left the receive loop.")]
    private partial void LogReturned(string file, int revision, double seconds);

    [LoggerMessage(EventId = EventIds.PolicyThrottled, EventName = nameof(EventIds.PolicyThrottled), Level = LogLevel.Warning,
        Message = "Policy '{File}' revision {Revision} used more than its share of the receive loops' time ({Percent:0.#}%): its names answer their fallback for {Seconds:F1} s (logged once per 10 s).")]
    private partial void LogThrottled(string file, int revision, double percent, double seconds);

    [LoggerMessage(EventId = EventIds.ExitingOnPurpose, EventName = nameof(EventIds.ExitingOnPurpose), Level = LogLevel.Critical,
        Message = "Exiting on purpose: {Why}. The in-flight journal names the policy versions responsible; the next start quarantines them and serves their previous good versions.")]
    private partial void LogExiting(string why);

    [LoggerMessage(EventId = EventIds.WatchdogFailed, EventName = nameof(EventIds.WatchdogFailed), Level = LogLevel.Error,
        Message = "The policy watchdog failed; it goes on.")]
    private partial void LogWatchdogFailed(Exception exception);
}
