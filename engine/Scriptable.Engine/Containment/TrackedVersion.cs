using Scriptable.Engine.Policies;

namespace Scriptable.Engine.Containment;

/// <summary>
/// A version in the journal's table, as the watchdog sees it: its bench, counters, budget and CPU share. Holds
/// nothing of the version's assembly (the bench and the counters are host objects), so it never keeps a
/// replaced version loaded.
/// </summary>
internal sealed class TrackedVersion(int id, string file, string relativeFile, string hash, int revision)
{
    /// <summary>Its journal id.</summary>
    public int Id { get; } = id;

    /// <summary>The policy file, as shown to users.</summary>
    public string File { get; } = file;

    /// <summary>The file relative to the policies folder.</summary>
    public string RelativeFile { get; } = relativeFile;

    /// <summary>SHA-256 of the file and its helpers.</summary>
    public string Hash { get; } = hash;

    /// <summary>Its revision.</summary>
    public int Revision { get; } = revision;

    /// <summary>Its bench (null until it loaded).</summary>
    public PolicyBench? Bench { get; set; }

    /// <summary>The file's counters (null until it loaded).</summary>
    public PolicyStats? Stats { get; set; }

    /// <summary>Its time budget, in Stopwatch ticks.</summary>
    public long BudgetTicks { get; set; }

    /// <summary>The most of the receive loops' time it may take (0.05: 5%).</summary>
    public double CpuShare { get; set; } = 0.05;

    /// <summary>The watchdog's CPU account: the time at which its past use is paid for (GCRA), Stopwatch ticks.</summary>
    public long CpuPaidUntil { get; set; }

    /// <summary>When the watchdog last logged a throttle of it.</summary>
    public long LastThrottleLog { get; set; } = long.MinValue;

    /// <summary>True once replaced or removed: its entry may be reused when no slot runs it any more.</summary>
    public bool Retired { get; set; }
}
