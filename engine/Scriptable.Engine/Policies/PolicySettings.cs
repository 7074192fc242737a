namespace Scriptable.Engine.Policies;

/// <summary>
/// How a policy is run: its fallback and its per-query budget. Server-wide defaults come from the
/// configuration (<c>Policy</c> section); a policy overrides them with a directive comment:
/// <c>// scriptable: fallback=static time=5ms</c>.
/// </summary>
public sealed record PolicySettings
{
    /// <summary>What the name answers when its policy cannot.</summary>
    public PolicyFallback Fallback { get; init; } = PolicyFallback.ServFail;

    /// <summary>Wall-clock time one query may spend in the policy before it is stopped.</summary>
    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Stack space one query may use in policy code (this is the depth budget: about 2,000 ordinary calls in 256 KiB).</summary>
    public int MaxStackKilobytes { get; init; } = 256;

    /// <summary>Memory one query may allocate in policy code.</summary>
    public int MaxAllocatedKilobytes { get; init; } = 16 * 1024;

    /// <summary>
    /// The most of the receive loops' time the policy may take, in percent, averaged by the watchdog (a burst of a
    /// second at this share is allowed): over it, its names answer the fallback until it is back under.
    /// </summary>
    public double MaxCpuPercent { get; init; } = 5;

    /// <summary>How long loading a version (its static fields) may take.</summary>
    public TimeSpan LoadTimeBudget { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Where the server runs the policy: in its own process, or in policy worker processes (Isolation/README.md).</summary>
    public Isolation.PolicyIsolation Isolation { get; init; } = Scriptable.Engine.Isolation.PolicyIsolation.InProcess;
}
