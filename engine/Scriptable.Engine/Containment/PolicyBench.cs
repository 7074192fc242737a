using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Scriptable.Engine.Containment;

/// <summary>
/// The bench of one policy version: while benched, its names answer their fallback without running it, so a
/// policy that keeps failing costs one stopped run per bench, not one per query. A run stopped by any budget
/// benches it for a second, doubling while it keeps failing right after each bench (up to a minute) and starting
/// over after a clean minute; a run stuck far past its budget benches it for five minutes (doubling, up to an
/// hour); the watchdog benches it for as long as it takes to bring it back under its CPU share. The query path
/// reads one field; everything else happens on failures.
/// </summary>
internal sealed class PolicyBench
{
    /// <summary>The first bench after a budget stop.</summary>
    public static readonly long FirstTicks = Stopwatch.Frequency;

    /// <summary>The longest bench after budget stops.</summary>
    public static readonly long MaxTicks = 60 * Stopwatch.Frequency;

    /// <summary>A failure this long after the last bench ended starts over at <see cref="FirstTicks"/>.</summary>
    public static readonly long CleanTicks = 60 * Stopwatch.Frequency;

    /// <summary>The first bench after a run got stuck.</summary>
    public static readonly long FirstStuckTicks = 300 * Stopwatch.Frequency;

    /// <summary>The longest bench after runs got stuck.</summary>
    public static readonly long MaxStuckTicks = 3600 * Stopwatch.Frequency;

    private readonly Lock _gate = new();
    private long _until;
    private long _lastEnd;
    private int _level;
    private int _stuckLevel;
    private BenchReason _reason;
    private int _benches;

    /// <summary>True while benched. The one check on the query path: a field read, and a clock read only while benched.</summary>
    public bool IsBenched
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var until = Volatile.Read(ref _until);
            return until != 0 && StillBenched(until, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>Why it was last benched.</summary>
    public BenchReason Reason
    {
        get
        {
            lock (_gate)
            {
                return _reason;
            }
        }
    }

    /// <summary>When the bench ends (a <see cref="Stopwatch"/> timestamp), 0 when not benched.</summary>
    public long Until => Volatile.Read(ref _until);

    /// <summary>How many times this version was benched.</summary>
    public int Benches => Volatile.Read(ref _benches);

    /// <summary><see cref="IsBenched"/> at a given time (tests).</summary>
    public bool IsBenchedAt(long now)
    {
        var until = Volatile.Read(ref _until);
        return until != 0 && StillBenched(until, now);
    }

    /// <summary>
    /// A run was stopped by its budget at <paramref name="now"/>: benches the version, longer if it failed again
    /// soon after its last bench. Returns the bench's length in <see cref="Stopwatch"/> ticks, or 0 if it was
    /// already benched (several loops failing at once count once).
    /// </summary>
    public long Fail(BenchReason reason, long now)
    {
        lock (_gate)
        {
            if (now < _until)
            {
                return 0;
            }

            _level = _lastEnd != 0 && now - _lastEnd < CleanTicks ? Math.Min(_level + 1, 10) : 0;
            var length = Math.Min(FirstTicks << _level, MaxTicks);
            _lastEnd = now + length;
            return Set(reason, now + length, length);
        }
    }

    /// <summary>A run stayed stuck far past its budget: benches for long (5 minutes, doubling up to an hour). Returns the length.</summary>
    public long Stuck(long now)
    {
        lock (_gate)
        {
            var length = Math.Min(FirstStuckTicks << Math.Min(_stuckLevel, 10), MaxStuckTicks);
            _stuckLevel++;
            _lastEnd = Math.Max(_lastEnd, now + length);
            return Set(BenchReason.Stuck, Math.Max(_until, now + length), length);
        }
    }

    /// <summary>The policy is over its CPU share: benched until <paramref name="until"/> unless benched longer already. True if this extended the bench.</summary>
    public bool Throttle(long until)
    {
        lock (_gate)
        {
            if (until <= _until)
            {
                return false;
            }

            var wasBenched = _until != 0 && Stopwatch.GetTimestamp() < _until;
            Set(BenchReason.Cpu, until, 0);
            if (wasBenched)
            {
                // An extension, not a new bench.
                _benches--;
            }

            return true;
        }
    }

    private long Set(BenchReason reason, long until, long length)
    {
        _reason = reason;
        _benches++;
        Volatile.Write(ref _until, until);
        return length;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool StillBenched(long until, long now)
    {
        if (now < until)
        {
            return true;
        }

        // Over: the next queries skip the clock read. A new bench set meanwhile is kept (compare-exchange).
        Interlocked.CompareExchange(ref _until, 0, until);
        return false;
    }
}
