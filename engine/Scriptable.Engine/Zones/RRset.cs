using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones;

/// <summary>
/// A resource record set: every record of one owner, class and type, sharing one TTL (RFC 2181 section 5).
/// Immutable once a zone is built.
/// </summary>
public sealed class RRset
{
    /// <summary>Creates an RRset; <paramref name="records"/> must not be empty.</summary>
    public RRset(DnsName owner, ushort type, uint ttl, RData[] records, ushort @class = DnsClass.IN)
    {
        if (records.Length == 0)
        {
            throw new ArgumentException("An RRset holds at least one record.", nameof(records));
        }

        Owner = owner;
        Type = type;
        Class = @class;
        Ttl = ttl;
        Records = records;
        CompressNames = RecordType.HasCompressibleNames(type);
    }

    /// <summary>The owner name.</summary>
    public DnsName Owner { get; }

    /// <summary>The record type.</summary>
    public ushort Type { get; }

    /// <summary>The class (IN).</summary>
    public ushort Class { get; }

    /// <summary>The TTL shared by every record.</summary>
    public uint Ttl { get; }

    /// <summary>The records, in zone-file order.</summary>
    public RData[] Records { get; }

    /// <summary>True if names in the RDATA may be compressed on the wire.</summary>
    internal bool CompressNames { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Owner} {Ttl} {RecordType.ToText(Type)} ({Records.Length} records)";
}
