namespace Scriptable.Engine.Health;

/// <summary>What an operator's override does to a check or group.</summary>
public enum HealthOverrideKind
{
    /// <summary>Up, whatever the probes say.</summary>
    ForceUp,

    /// <summary>Down, whatever the probes say.</summary>
    ForceDown,

    /// <summary>
    /// Draining: treated as down for new answers (<c>IsUp</c> is false) and shown as
    /// <see cref="Scriptable.Policies.HealthState.Draining"/>, so maintenance is told apart from an outage.
    /// Clients that cached an answer keep it until its TTL ends.
    /// </summary>
    Drain,
}
