namespace Scriptable.Policies;

/// <summary>The state of one health check.</summary>
public enum HealthState
{
    /// <summary>No such check, or no result yet: treated as up.</summary>
    Unknown,

    /// <summary>The check passes.</summary>
    Up,

    /// <summary>The check fails (or an operator forced it down or drained it).</summary>
    Down,
}
