using System.Collections.Frozen;

namespace Scriptable.Policies;

/// <summary>
/// The state of every health check, as the background checks last published it: an immutable snapshot, so
/// a policy reads one consistent view for the whole query. Checks are named in the policies folder's
/// health configuration; a name no check has is <see cref="HealthState.Unknown"/> and counts as up.
/// </summary>
public sealed class HealthMap
{
    private readonly FrozenDictionary<string, HealthStatus> _states;

    /// <summary>Creates a map from check names to states.</summary>
    public HealthMap(IEnumerable<KeyValuePair<string, HealthStatus>> states)
    {
        _states = states.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>A map with no checks: everything is unknown, hence up.</summary>
    public static HealthMap Empty { get; } = new([]);

    /// <summary>The names of the checks.</summary>
    public IReadOnlyCollection<string> Checks => _states.Keys;

    /// <summary>The status of a check (unknown if there is no such check).</summary>
    public HealthStatus this[string check] =>
        _states.TryGetValue(check, out var status) ? status : default;

    /// <summary>True unless the check is down.</summary>
    public bool IsUp(string check) => !_states.TryGetValue(check, out var status) || status.IsUp;

    /// <summary>True if the check is down.</summary>
    public bool IsDown(string check) => !IsUp(check);
}
