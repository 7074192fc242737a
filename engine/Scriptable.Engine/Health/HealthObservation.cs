using Scriptable.Policies;

namespace Scriptable.Engine.Health;

/// <summary>One node's own view of one check, from its own probes: what it publishes for the others' votes.</summary>
/// <param name="Node">The observing node.</param>
/// <param name="State">Up or down (its rise and fall applied).</param>
/// <param name="Since">When it entered that state.</param>
/// <param name="Reason">The result that brought it there (<c>connection refused</c>), or null.</param>
public sealed record HealthObservation(string Node, HealthState State, DateTimeOffset Since, string? Reason);
