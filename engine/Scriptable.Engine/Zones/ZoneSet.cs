using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones;

/// <summary>
/// The zones a server is authoritative for, found by longest suffix match of the query name. Immutable;
/// a reload builds a new set and publishes it.
/// </summary>
public sealed class ZoneSet
{
    private readonly NameTable<Zone> _table;
    private readonly int _maxLabels;
    private readonly int _minLabels;

    /// <summary>Builds a set; origins must be distinct.</summary>
    public ZoneSet(IReadOnlyCollection<Zone> zones)
    {
        Zones = zones;
        _table = new NameTable<Zone>(zones.Select(z => KeyValuePair.Create(z.Origin, z)));
        _maxLabels = zones.Count == 0 ? -1 : zones.Max(z => z.Origin.LabelCount);
        _minLabels = zones.Count == 0 ? 0 : zones.Min(z => z.Origin.LabelCount);
    }

    /// <summary>A set with no zones: every query is refused.</summary>
    public static ZoneSet Empty { get; } = new([]);

    /// <summary>The zones, in load order.</summary>
    public IReadOnlyCollection<Zone> Zones { get; }

    /// <summary>The zone with the longest origin that contains the query name, or null.</summary>
    internal Zone? Find(QueryName name)
    {
        var labels = name.LabelCount;
        var first = Math.Max(0, labels - _maxLabels);
        var last = labels - _minLabels;
        for (var skip = first; skip <= last; skip++)
        {
            var zone = _table.Find(name.Suffix(skip), name.SuffixHash(skip));
            if (zone is not null)
            {
                return zone;
            }
        }

        return null;
    }

    /// <summary>The zone with the longest origin that contains <paramref name="name"/>, or null.</summary>
    public Zone? Find(DnsName name)
    {
        for (var skip = Math.Max(0, name.LabelCount - _maxLabels); skip <= name.LabelCount - _minLabels; skip++)
        {
            var zone = _table.Find(name.StripLeft(skip));
            if (zone is not null)
            {
                return zone;
            }
        }

        return null;
    }
}
