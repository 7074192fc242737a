using Scriptable.Engine.Policies;

namespace Scriptable.Engine.Health;

/// <summary>What parsing <c>health.yaml</c> gave.</summary>
/// <param name="Config">The configuration, or null if there is any error (keep running the previous one).</param>
/// <param name="Diagnostics">Every error and warning, located: <c>health.yaml(7,5): error HLT012: ...</c>.</param>
public sealed record HealthConfigResult(HealthConfig? Config, IReadOnlyList<PolicyDiagnostic> Diagnostics)
{
    /// <summary>True if some diagnostic is an error.</summary>
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}
