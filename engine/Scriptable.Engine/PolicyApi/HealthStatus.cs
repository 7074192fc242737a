namespace Scriptable.Policies;

/// <summary>One health check's state and since when it holds.</summary>
/// <param name="State">Up, down, draining, or unknown.</param>
/// <param name="Since">When the check entered this state (<see cref="DateTimeOffset.MinValue"/> if unknown).</param>
public readonly record struct HealthStatus(HealthState State, DateTimeOffset Since)
{
    /// <summary>True unless the check is down or draining: an unknown check counts as up.</summary>
    public bool IsUp => State is not (HealthState.Down or HealthState.Draining);

    /// <summary>
    /// Why the check is in this state: the probe result that changed it (<c>HTTP 503</c>, <c>connection
    /// refused</c>), <c>initial state</c>, a group's count (<c>1 of 2 members up (min-up 1)</c>), or the
    /// operator's override and reason; null if unknown.
    /// </summary>
    public string? Reason { get; init; }

    /// <summary>True if an operator's override (force up, force down, drain) sets the state, not the probes.</summary>
    public bool Overridden { get; init; }
}
