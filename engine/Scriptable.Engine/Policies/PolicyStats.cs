namespace Scriptable.Engine.Policies;

/// <summary>
/// Counters of one policy file, kept across its versions (a reload does not reset them), read by the
/// metrics. Updated with <see cref="Interlocked"/> from every receive thread.
/// </summary>
public sealed class PolicyStats
{
    private long _queries;
    private long _exceptions;
    private long _budgetStops;
    private long _fallbacks;
    private long _reloads;
    private long _compileFailures;
    private long _sampledTicks;
    private long _samples;
    private long _lastLog = long.MinValue;
    private long _unlogged;

    /// <summary>Creates the counters of a policy.</summary>
    public PolicyStats(string name)
    {
        Name = name;
    }

    /// <summary>The policy's name (its primary owner name), used as the metrics tag.</summary>
    public string Name { get; }

    /// <summary>Queries the policy was asked to answer.</summary>
    public long Queries => Volatile.Read(ref _queries);

    /// <summary>Runs that threw.</summary>
    public long Exceptions => Volatile.Read(ref _exceptions);

    /// <summary>Runs stopped by the budget (time, stack depth or memory).</summary>
    public long BudgetStops => Volatile.Read(ref _budgetStops);

    /// <summary>Queries answered with the fallback (errors, budget stops, no loaded version, tripped).</summary>
    public long Fallbacks => Volatile.Read(ref _fallbacks);

    /// <summary>Versions loaded after the first.</summary>
    public long Reloads => Volatile.Read(ref _reloads);

    /// <summary>Compilations that failed.</summary>
    public long CompileFailures => Volatile.Read(ref _compileFailures);

    /// <summary>Sum of the sampled run times, in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public long SampledTicks => Volatile.Read(ref _sampledTicks);

    /// <summary>Number of sampled runs.</summary>
    public long Samples => Volatile.Read(ref _samples);

    /// <summary>Benches, stuck runs and the time the watchdog saw the policy running (Containment/README.md).</summary>
    internal Containment.PolicyContainmentStats Containment { get; } = new();

    internal void CountQuery() => Interlocked.Increment(ref _queries);

    internal void CountException() => Interlocked.Increment(ref _exceptions);

    internal void CountBudgetStop() => Interlocked.Increment(ref _budgetStops);

    internal void CountFallback() => Interlocked.Increment(ref _fallbacks);

    internal void CountReload() => Interlocked.Increment(ref _reloads);

    internal void CountCompileFailure() => Interlocked.Increment(ref _compileFailures);

    /// <summary>
    /// True at most once per <paramref name="window"/> (Stopwatch ticks): the first failure of a burst is
    /// logged, the others only counted; <paramref name="suppressed"/> says how many went unlogged since.
    /// </summary>
    internal bool ShouldLog(long now, long window, out long suppressed)
    {
        var last = Volatile.Read(ref _lastLog);
        if (last != long.MinValue && now - last < window || Interlocked.CompareExchange(ref _lastLog, now, last) != last)
        {
            Interlocked.Increment(ref _unlogged);
            suppressed = 0;
            return false;
        }

        suppressed = Interlocked.Exchange(ref _unlogged, 0);
        return true;
    }

    internal void AddSample(long ticks)
    {
        Interlocked.Add(ref _sampledTicks, ticks);
        Interlocked.Increment(ref _samples);
    }
}
