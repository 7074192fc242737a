namespace Scriptable.Policies;

/// <summary>One health check's state and since when it holds.</summary>
/// <param name="State">Up, down, or unknown.</param>
/// <param name="Since">When the check entered this state (<see cref="DateTimeOffset.MinValue"/> if unknown).</param>
public readonly record struct HealthStatus(HealthState State, DateTimeOffset Since)
{
    /// <summary>True unless the check is down: an unknown check counts as up.</summary>
    public bool IsUp => State != HealthState.Down;
}
