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

    /// <summary>
    /// The zone that answers a DS query for the name: as <see cref="Find(QueryName)"/>, except that at a zone's own
    /// apex the parent zone answers when it is served here too, because the DS RRset lives on the parent side of the
    /// cut (RFC 4034 section 5, RFC 4035 section 3.1.4.1), as BIND and Knot answer.
    /// </summary>
    internal Zone? FindForDs(QueryName name)
    {
        var zone = Find(name);
        if (zone is null || zone.Origin.LabelCount != name.LabelCount || name.LabelCount == 0)
        {
            return zone;
        }

        var labels = name.LabelCount;
        for (var skip = Math.Max(1, labels - _maxLabels); skip <= labels - _minLabels; skip++)
        {
            var parent = _table.Find(name.Suffix(skip), name.SuffixHash(skip));
            if (parent is not null)
            {
                return parent;
            }
        }

        return zone;
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
