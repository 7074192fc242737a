namespace Scriptable.Engine.Health;

/// <summary>A group of <c>health.yaml</c>: up when at least <paramref name="MinUp"/> of its member checks are up.</summary>
/// <param name="Name">The name policies use, like a check's.</param>
/// <param name="Members">The names of the member checks.</param>
/// <param name="MinUp">How many members must be up (1 by default).</param>
public sealed record HealthGroupConfig(string Name, IReadOnlyList<string> Members, int MinUp = 1);
