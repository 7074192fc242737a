using Scriptable.Policies;

namespace Scriptable.Engine.Health;

/// <summary>
/// One check or group as an operator sees it (the admin endpoint, <c>scriptable health</c>): its state for
/// policies and from its probes, its last result, counters and override.
/// </summary>
public sealed record HealthCheckStatus
{
    /// <summary>The check's or group's name.</summary>
    public required string Name { get; init; }

    /// <summary>The kind of probe, or <see cref="HealthCheckKind.Group"/>.</summary>
    public required HealthCheckKind Kind { get; init; }

    /// <summary>What is probed (a URL, <c>host:port</c>, a command line), or a group's members.</summary>
    public required string Target { get; init; }

    /// <summary>The state policies see: <see cref="CheckState"/> unless an override sets it.</summary>
    public required HealthState State { get; init; }

    /// <summary>The state from the probes alone (for a group, from its members).</summary>
    public required HealthState CheckState { get; init; }

    /// <summary>When <see cref="CheckState"/> last changed (or the check started).</summary>
    public required DateTimeOffset Since { get; init; }

    /// <summary>The last probe's result (<c>HTTP 503</c>, <c>timeout after 2 s</c>); a group's member count; null before the first probe.</summary>
    public string? Reason { get; init; }

    /// <summary>
    /// What the last probe's target said, when that may hold anything (a command's first line of output); null
    /// otherwise. For operators only: the admin endpoint shows it to requests that send the token.
    /// </summary>
    public string? Output { get; init; }

    /// <summary>When the last probe ended, or null.</summary>
    public DateTimeOffset? LastProbe { get; init; }

    /// <summary>How long the last probe took, or null.</summary>
    public TimeSpan? LastLatency { get; init; }

    /// <summary>Successes in a row (0 after a failure).</summary>
    public int ConsecutiveSuccesses { get; init; }

    /// <summary>Failures in a row (0 after a success).</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Probes run since the check started.</summary>
    public long Probes { get; init; }

    /// <summary>Probes that failed since the check started.</summary>
    public long Failures { get; init; }

    /// <summary>In cluster mode, the observers' vote that decided <see cref="State"/> (<c>down (2 of 3: ns1 down 'timeout', ...)</c>); null otherwise.</summary>
    public string? Vote { get; init; }

    /// <summary>The operator's override, if any.</summary>
    public HealthOverride? Override { get; init; }
}
