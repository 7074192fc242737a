namespace Scriptable.Policies;

/// <summary>The state of one health check.</summary>
public enum HealthState
{
    /// <summary>No such check, or no result yet: treated as up.</summary>
    Unknown,

    /// <summary>The check passes.</summary>
    Up,

    /// <summary>The check fails (or an operator forced it down).</summary>
    Down,

    /// <summary>
    /// An operator drains it: treated as down for new answers (<see cref="HealthStatus.IsUp"/> is false), shown
    /// apart from a failure so dashboards tell maintenance from an outage.
    /// </summary>
    Draining,
}
