using System.Buffers.Binary;
using System.Collections.Frozen;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Transfers;

/// <summary>What a reload serves after <see cref="ZoneVersions.Apply"/>.</summary>
/// <param name="Served">The zones to serve (a zone whose serial the policy set is a copy with that serial).</param>
/// <param name="Journals">Each served zone's journal, by origin.</param>
/// <param name="Changed">Zones new or with a new serial since the last reload: the ones to NOTIFY.</param>
/// <param name="Warnings">Zones edited without a serial increase, one line each.</param>
public sealed record ZoneVersionsResult(IReadOnlyList<Zone> Served, IReadOnlyDictionary<DnsName, ZoneJournal> Journals, IReadOnlyList<Zone> Changed, IReadOnlyList<string> Warnings);

/// <summary>
/// The versions of each zone the server has served: on each reload it compares the zones loaded with the ones
/// served before, sets serials by the zones' <see cref="SerialPolicy"/>, and appends what changed to the zone's
/// <see cref="ZoneJournal"/> (only when the serial went up: a change under the same serial cannot be told apart by a
/// secondary, so it is warned about and the journal starts over). Called by the reload, one at a time.
/// </summary>
public sealed class ZoneVersions
{
    private Dictionary<DnsName, Entry> _entries = [];

    /// <summary>Computes what to serve for the zones just loaded; <paramref name="now"/> is Unix time, for <see cref="SerialPolicy.UnixTime"/>.</summary>
    public ZoneVersionsResult Apply(IReadOnlyCollection<Zone> loaded, TransferSettings settings, long now)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(settings);
        var entries = new Dictionary<DnsName, Entry>();
        var served = new List<Zone>(loaded.Count);
        var changed = new List<Zone>();
        var warnings = new List<string>();
        foreach (var zone in loaded)
        {
            var policy = settings.For(zone.Origin).Serial;
            Entry entry;
            if (!_entries.TryGetValue(zone.Origin, out var previous))
            {
                entry = new Entry(zone, policy == SerialPolicy.UnixTime && SerialArithmetic.IsNewer((uint)now, zone.Serial) ? WithSerial(zone, (uint)now) : zone, ZoneJournal.Empty);
                changed.Add(entry.Served);
            }
            else if (ReferenceEquals(previous.Loaded, zone))
            {
                // The files did not change (the loader's cache gave the same zone back).
                entry = previous;
            }
            else
            {
                entry = Next(previous, zone, policy, now, warnings);
                if (entry.Served.Serial != previous.Served.Serial || !ReferenceEquals(entry.Served, previous.Served))
                {
                    changed.Add(entry.Served);
                }
            }

            entries[zone.Origin] = entry;
            served.Add(entry.Served);
        }

        _entries = entries;
        return new ZoneVersionsResult(served, entries.ToFrozenDictionary(e => e.Key, e => e.Value.Journal), changed, warnings);
    }

    private static Entry Next(Entry previous, Zone zone, SerialPolicy policy, long now, List<string> warnings)
    {
        var old = previous.Served;
        var (removed, added) = ZoneRecords.Difference(old, zone);
        var contentChanged = removed.Count > 0 || added.Count > 0 || ZoneRecords.SoaChangedBesidesSerial(old, zone);
        var next = zone;
        switch (policy)
        {
            case SerialPolicy.Keep:
                if (contentChanged && !SerialArithmetic.IsNewer(zone.Serial, old.Serial))
                {
                    warnings.Add($"zone '{zone.Origin}' changed but its serial {zone.Serial} is not above {old.Serial}: secondaries will not see the change; increase the serial in {zone.Source}, or set Zones:{zone.Origin.ToString().TrimEnd('.')}:Serial to UnixTime or Increment");
                    return new Entry(zone, zone, ZoneJournal.Empty);
                }

                break;
            default:
                if (!contentChanged)
                {
                    // Same content: the serial served stays, whatever the file says.
                    return new Entry(zone, old, previous.Journal);
                }

                var serial = policy == SerialPolicy.UnixTime ? (uint)now : old.Serial + 1;
                if (!SerialArithmetic.IsNewer(serial, old.Serial))
                {
                    serial = old.Serial + 1;
                }

                if (SerialArithmetic.IsNewer(zone.Serial, serial))
                {
                    serial = zone.Serial;
                }

                next = WithSerial(zone, serial);
                break;
        }

        if (next.Serial == old.Serial)
        {
            return new Entry(zone, next, previous.Journal);
        }

        var journal = SerialArithmetic.IsNewer(next.Serial, old.Serial)
            ? previous.Journal.Append(new ZoneDelta(ZoneRecords.Soa(old), ZoneRecords.Soa(next), removed, added))
            : ZoneJournal.Empty;
        return new Entry(zone, next, journal);
    }

    /// <summary>A copy of the zone whose SOA carries <paramref name="serial"/>.</summary>
    internal static Zone WithSerial(Zone zone, uint serial)
    {
        var records = new List<ResourceRecord>(zone.RecordCount);
        var soa = zone.Soa.Records[0].Wire.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(soa.AsSpan(soa.Length - 20), serial);
        records.Add(new ResourceRecord(zone.Origin, RecordType.SOA, DnsClass.IN, zone.Soa.Ttl, RData.FromWire(RecordType.SOA, soa), zone.Source, 0));
        foreach (var record in ZoneRecords.AllButSoa(zone))
        {
            records.Add(new ResourceRecord(record.Owner, record.Type, DnsClass.IN, record.Ttl, record.Data, zone.Source, 0));
        }

        var errors = new List<ZoneDiagnostic>();
        return ZoneBuilder.Build(zone.Origin, records, zone.Source, errors, []) ?? throw new InvalidOperationException($"Zone '{zone.Origin}' did not rebuild with serial {serial}: {string.Join("; ", errors)}");
    }

    private sealed record Entry(Zone Loaded, Zone Served, ZoneJournal Journal);
}
