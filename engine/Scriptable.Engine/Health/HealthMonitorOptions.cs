using System.Diagnostics.Metrics;

namespace Scriptable.Engine.Health;

/// <summary>Settings of a <see cref="HealthMonitor"/> (not of the checks: those are in <c>health.yaml</c>).</summary>
public sealed class HealthMonitorOptions
{
    /// <summary>Probes in flight at once, across all checks (256): 10,000 targets never open 10,000 sockets at once.</summary>
    public int MaxConcurrentProbes { get; init; } = 256;

    /// <summary>
    /// Each period is the interval plus or minus up to this fraction of it (0.1: 4.5 s to 5.5 s for 5 s), so
    /// checks that started together drift apart instead of probing in bursts.
    /// </summary>
    public double Jitter { get; init; } = 0.1;

    /// <summary>The most of a body an HTTP check with <c>body</c> reads (64 KiB).</summary>
    public int MaxBodyBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// State changes published at once before publishing is paced (8); then one publish per
    /// <see cref="PublishInterval"/> carries every change since. Applying a configuration and setting an
    /// override always publish at once.
    /// </summary>
    public int PublishBurst { get; init; } = 8;

    /// <summary>The pace of publishing when many states change at once (100 ms: ten maps a second at most).</summary>
    public TimeSpan PublishInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The HTTP connect timeout backstop (10 s); each probe's own timeout normally ends it first.</summary>
    public TimeSpan HttpConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>What <c>command:</c> checks may run, and how (the operator's configuration; default: none run).</summary>
    public CommandCheckPolicy CommandChecks { get; init; } = CommandCheckPolicy.Off;

    /// <summary>
    /// The <c>User-Agent</c> of HTTP probes: <c>scriptable-health</c>, and in cluster mode <c>scriptable-health (node ns1)</c>,
    /// so a backend's log tells which node probed.
    /// </summary>
    public string ProbeAgent { get; init; } = "scriptable-health";

    /// <summary>Creates the <c>Scriptable</c> meter's instruments; null creates a meter of its own.</summary>
    public IMeterFactory? MeterFactory { get; init; }
}
