using System.Collections.Frozen;

namespace Scriptable.Policies;

/// <summary>
/// The state of every health check and group, as the background checks last published it: an immutable
/// snapshot, so a policy reads one consistent view for the whole query. Checks and groups are named in the
/// policies folder's <c>health.yaml</c>; a name that has neither is <see cref="HealthState.Unknown"/> and
/// counts as up (unless an operator's override names it). Lookups allocate nothing.
/// </summary>
public sealed class HealthMap
{
    private readonly FrozenDictionary<string, int> _index;
    private readonly HealthStatus[] _statuses;

    /// <summary>Creates a map from check names to states.</summary>
    public HealthMap(IEnumerable<KeyValuePair<string, HealthStatus>> states)
    {
        var byName = states.ToFrozenDictionary(StringComparer.Ordinal);
        var index = new Dictionary<string, int>(byName.Count, StringComparer.Ordinal);
        _statuses = new HealthStatus[byName.Count];
        foreach (var (name, status) in byName)
        {
            _statuses[index.Count] = status;
            index[name] = index.Count;
        }

        _index = index.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// A map over a prepared index (name to slot in <paramref name="statuses"/>): the health monitor builds the
    /// index once per configuration and only copies the statuses when one changes.
    /// </summary>
    internal HealthMap(FrozenDictionary<string, int> index, HealthStatus[] statuses)
    {
        _index = index;
        _statuses = statuses;
    }

    /// <summary>A map with no checks: everything is unknown, hence up.</summary>
    public static HealthMap Empty { get; } = new([]);

    /// <summary>The names of the checks and groups (and of names only an operator's override sets).</summary>
    public IReadOnlyCollection<string> Checks => _index.Keys;

    /// <summary>The number of names in the map.</summary>
    public int Count => _statuses.Length;

    /// <summary>The status of a check or group (unknown if there is no such name).</summary>
    public HealthStatus this[string check] =>
        _index.TryGetValue(check, out var slot) ? _statuses[slot] : default;

    /// <summary>True unless the check is down or draining.</summary>
    public bool IsUp(string check) => !_index.TryGetValue(check, out var slot) || _statuses[slot].IsUp;

    /// <summary>True if the check is down or draining.</summary>
    public bool IsDown(string check) => !IsUp(check);

    /// <summary>Every name and status (for metrics and status pages, not the query path).</summary>
    internal IEnumerable<KeyValuePair<string, HealthStatus>> Entries
    {
        get
        {
            foreach (var (name, slot) in _index)
            {
                yield return KeyValuePair.Create(name, _statuses[slot]);
            }
        }
    }

    /// <summary>True if the map has a check, group or override of this name.</summary>
    public bool Contains(string check) => _index.ContainsKey(check);
}
