using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones;

/// <summary>
/// One loaded zone: immutable, looked up by the query path without locks. Built by <see cref="ZoneBuilder"/>.
/// </summary>
public sealed class Zone
{
    internal Zone(DnsName origin, ZoneNode apex, NameTable<ZoneNode> nodes, string source, int recordCount)
    {
        Origin = origin;
        Apex = apex;
        Nodes = nodes;
        Source = source;
        RecordCount = recordCount;
        Soa = apex.Find(RecordType.SOA) ?? throw new ArgumentException("The apex has no SOA.", nameof(apex));
        var minimum = Soa.Records[0].ReadUInt32(Soa.Records[0].Wire.Length - 4);
        NegativeTtl = Math.Min(Soa.Ttl, minimum);
        Serial = Soa.Records[0].ReadUInt32(Soa.Records[0].Wire.Length - 20);
    }

    /// <summary>The zone's origin (apex name).</summary>
    public DnsName Origin { get; }

    /// <summary>The apex node.</summary>
    public ZoneNode Apex { get; }

    /// <summary>The SOA RRset.</summary>
    public RRset Soa { get; }

    /// <summary>TTL of negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 section 5).</summary>
    public uint NegativeTtl { get; }

    /// <summary>The SOA serial.</summary>
    public uint Serial { get; }

    /// <summary>The master file the zone was read from.</summary>
    public string Source { get; }

    /// <summary>Number of records.</summary>
    public int RecordCount { get; }

    /// <summary>Every node by lowered wire name, empty non-terminals included.</summary>
    internal NameTable<ZoneNode> Nodes { get; }

    /// <summary>Every node, in no particular order, empty non-terminals included.</summary>
    public IEnumerable<ZoneNode> AllNodes => Nodes.Values;

    /// <summary>Finds the node of a name, or null.</summary>
    public ZoneNode? Find(DnsName name) => Nodes.Find(name);

    /// <inheritdoc />
    public override string ToString() => $"{Origin} serial {Serial} ({RecordCount} records)";
}
