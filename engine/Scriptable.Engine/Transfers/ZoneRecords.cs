using System.Buffers.Binary;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Transfers;

/// <summary>A zone's records as a transfer sends them, and the difference between two versions of a zone.</summary>
public static class ZoneRecords
{
    /// <summary>The serial in a SOA's RDATA.</summary>
    public static uint Serial(RData soa)
    {
        ArgumentNullException.ThrowIfNull(soa);
        return BinaryPrimitives.ReadUInt32BigEndian(soa.Wire[^20..]);
    }

    /// <summary>The zone's SOA as a record.</summary>
    public static TransferRecord Soa(Zone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return new(zone.Origin, RecordType.SOA, zone.Soa.Ttl, zone.Soa.Records[0]);
    }

    /// <summary>Every record of the zone but its SOA (glue and occluded data included: a transfer carries the whole zone).</summary>
    public static IEnumerable<TransferRecord> AllButSoa(Zone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        foreach (var node in zone.AllNodes)
        {
            foreach (var set in node.Sets)
            {
                if (set.Type == RecordType.SOA && node.IsApex)
                {
                    continue;
                }

                foreach (var data in set.Records)
                {
                    yield return new(set.Owner, set.Type, set.Ttl, data);
                }
            }
        }
    }

    /// <summary>
    /// What changed from <paramref name="older"/> to <paramref name="newer"/>, SOA aside: a record whose TTL changed is
    /// removed and added again. Two empty lists mean the same content.
    /// </summary>
    public static (List<TransferRecord> Removed, List<TransferRecord> Added) Difference(Zone older, Zone newer)
    {
        var before = new HashSet<TransferRecord>(AllButSoa(older));
        var added = new List<TransferRecord>();
        foreach (var record in AllButSoa(newer))
        {
            if (!before.Remove(record))
            {
                added.Add(record);
            }
        }

        return ([.. before], added);
    }

    /// <summary>True when the two SOAs differ in more than the serial (names, timers, TTL).</summary>
    public static bool SoaChangedBesidesSerial(Zone older, Zone newer)
    {
        ArgumentNullException.ThrowIfNull(older);
        ArgumentNullException.ThrowIfNull(newer);
        var a = older.Soa.Records[0].Wire;
        var b = newer.Soa.Records[0].Wire;
        return older.Soa.Ttl != newer.Soa.Ttl || a.Length != b.Length
            || !a[..^20].SequenceEqual(b[..^20]) || !a[^16..].SequenceEqual(b[^16..]);
    }
}
