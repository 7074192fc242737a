namespace Scriptable.Engine.Containment;

/// <summary>How the watchdog judges the receive loops (server configuration, <c>Policy</c> section).</summary>
internal sealed record WatchdogOptions
{
    /// <summary>How often it looks at every slot.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>A run still in its policy after this many times the policy's time budget is stuck.</summary>
    public double StuckAfterBudgets { get; init; } = 100;

    /// <summary>
    /// No run is called stuck before this, whatever its budget: a first failure's stack trace read with its PDB took
    /// 200 ms on a busy machine, and a runnable thread may wait that long for a core there.
    /// </summary>
    public TimeSpan MinimumStuck { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A load (static initialisation) still running after this is stuck: the reload lock is held.</summary>
    public TimeSpan StuckLoad { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Receive loops per listen address: a policy's CPU share is of this many loops' time.</summary>
    public int Loops { get; init; } = 1;

    /// <summary>Stuck threads that have not come back, at most; one more and the server exits on purpose.</summary>
    public int MaxStuckThreads { get; init; } = 8;

    /// <summary>How far a policy may run ahead of its CPU share before it is benched, in time at its share (a burst).</summary>
    public TimeSpan CpuTolerance { get; init; } = TimeSpan.FromSeconds(1);
}
