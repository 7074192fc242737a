namespace Scriptable.Engine.Containment;

/// <summary>
/// The containment counters of one policy file, kept across its versions beside its <see cref="Policies.PolicyStats"/>:
/// benches by reason, runs the watchdog found stuck, and the time the watchdog saw it running. Updated with
/// <see cref="Interlocked"/> from the receive threads and the watchdog.
/// </summary>
internal sealed class PolicyContainmentStats
{
    private readonly long[] _benches = new long[(int)BenchReason.Stuck + 1];
    private long _stuck;
    private long _observedTicks;
    private long _lastLog = long.MinValue;

    /// <summary>Times a version of the policy was benched for <paramref name="reason"/>.</summary>
    public long Benches(BenchReason reason) => Volatile.Read(ref _benches[(int)reason]);

    /// <summary>Runs the watchdog found stuck.</summary>
    public long StuckRuns => Volatile.Read(ref _stuck);

    /// <summary>Time the watchdog saw a query running in the policy, in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public long ObservedTicks => Volatile.Read(ref _observedTicks);

    /// <summary>Counts a bench.</summary>
    public void CountBench(BenchReason reason) => Interlocked.Increment(ref _benches[(int)reason]);

    /// <summary>Counts a stuck run.</summary>
    public void CountStuck() => Interlocked.Increment(ref _stuck);

    /// <summary>Adds time the watchdog saw the policy running.</summary>
    public void AddObserved(long ticks) => Interlocked.Add(ref _observedTicks, ticks);

    /// <summary>True at most once per <paramref name="window"/> (Stopwatch ticks): bench messages are logged once per burst.</summary>
    public bool ShouldLog(long now, long window)
    {
        var last = Volatile.Read(ref _lastLog);
        return (last == long.MinValue || now - last >= window) && Interlocked.CompareExchange(ref _lastLog, now, last) == last;
    }
}
