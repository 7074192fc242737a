namespace Scriptable.Engine.Health;

/// <summary>
/// The health checks and groups of a policies folder (its <c>health.yaml</c>), immutable: hand it to
/// <see cref="HealthMonitor.Apply"/>.
/// </summary>
/// <param name="Checks">The checks, in file order.</param>
/// <param name="Groups">The groups, in file order.</param>
public sealed record HealthConfig(IReadOnlyList<HealthCheckConfig> Checks, IReadOnlyList<HealthGroupConfig> Groups)
{
    /// <summary>The file's name, at the root of the policies folder.</summary>
    public const string FileName = "health.yaml";

    /// <summary>No checks and no groups (a folder without <c>health.yaml</c>).</summary>
    public static HealthConfig Empty { get; } = new([], []);
}
