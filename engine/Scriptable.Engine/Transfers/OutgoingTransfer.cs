using System.Buffers.Binary;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Transfers;

/// <summary>
/// One zone transfer being sent: the records in the order the answer carries them, written into as many messages
/// as they need (RFC 5936 section 2.2), each signed when the query was (RFC 8945 section 5.3.1). AXFR: the SOA, every
/// other record, the SOA again. IXFR (RFC 1995 section 4): the current SOA, then per delta the old SOA, the removed
/// records, the new SOA, the added records, and the current SOA again. Over UDP (IXFR only) everything must fit one
/// message, else the answer is the current SOA alone (RFC 1995 section 2: the client then asks over TCP).
/// </summary>
internal sealed class OutgoingTransfer
{
    /// <summary>
    /// Octets a message holds at most besides its TSIG record: compression pointers reach 16 KiB, so larger
    /// messages would compress worse, and a secondary applies each message as it comes.
    /// </summary>
    private const int MessageSize = 16 * 1024;

    private const int HeaderSize = 12;

    private IEnumerator<TransferRecord> _records;
    private TransferRecord? _pending;

    private OutgoingTransfer(Zone zone, TransferKind kind, IEnumerable<TransferRecord> records)
    {
        Zone = zone;
        Kind = kind;
        _records = records.GetEnumerator();
    }

    /// <summary>The zone sent.</summary>
    public Zone Zone { get; }

    /// <summary>What the answer carries.</summary>
    public TransferKind Kind { get; private set; }

    /// <summary>True once the last message was written.</summary>
    public bool Done { get; private set; }

    /// <summary>Messages written so far.</summary>
    public int Messages { get; private set; }

    /// <summary>Records written so far.</summary>
    public long Records { get; private set; }

    /// <summary>The whole zone (AXFR, or IXFR the journal cannot answer).</summary>
    public static OutgoingTransfer Full(Zone zone) => new(zone, TransferKind.Full, FullRecords(zone));

    /// <summary>The deltas from the client's version to the current one.</summary>
    public static OutgoingTransfer Incremental(Zone zone, IReadOnlyList<ZoneDelta> deltas) => new(zone, TransferKind.Incremental, IncrementalRecords(zone, deltas));

    /// <summary>The current SOA alone (the client is up to date, or a UDP answer would not fit).</summary>
    public static OutgoingTransfer SoaOnly(Zone zone) => new(zone, TransferKind.SoaOnly, [ZoneRecords.Soa(zone)]);

    /// <summary>Writes the next message into the context's response buffer and returns its length (0: none left).</summary>
    public int WriteNext(QueryContext context, long now)
    {
        if (Done)
        {
            return 0;
        }

        var udp = context.Transport == DnsTransport.Udp;
        var tsig = context.Tsig;
        var signed = tsig.Present && tsig.Key is not null;
        var tsigSize = signed ? TsigCodec.ResponseSize(tsig) : 0;
        var limit = udp
            ? (context.HasEdns ? Math.Clamp((int)context.ClientUdpSize, 512, Math.Max(512, (int)context.Snapshot.Config.EdnsBufferSize)) : 512)
            : MessageSize;
        var writer = context.Writer;
        var count = Write(context, writer, limit - tsigSize);
        if (count < 0 && udp)
        {
            // RFC 1995 section 2: what does not fit one datagram is answered by the SOA alone.
            _records = new List<TransferRecord> { ZoneRecords.Soa(Zone) }.GetEnumerator();
            _pending = null;
            Kind = TransferKind.SoaOnly;
            count = Write(context, writer, limit - tsigSize);
        }
        else if (count == 0 && !Done)
        {
            // One record larger than a usual message (a big TXT): it gets a message of the largest size.
            count = Write(context, writer, QueryContext.MaxMessageSize - tsigSize);
        }

        if (count <= 0 && !Done)
        {
            throw new InvalidOperationException($"A record of zone '{Zone.Origin}' does not fit in a message.");
        }

        if (udp)
        {
            Done = true;
        }

        Messages++;
        Records += count;
        var length = writer.Position;
        return signed ? TsigCodec.Sign(context.Response, length, tsig, now) : length;
    }

    /// <summary>
    /// Writes a message with the records that fit within <paramref name="limit"/>; returns their number, or -1 over UDP
    /// when not all of them fit.
    /// </summary>
    private int Write(QueryContext context, MessageWriter writer, int limit)
    {
        writer.Reset(context.Response, limit);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);
        var qdCount = 0;
        if (Messages == 0 && context.QuestionEnd > 0)
        {
            // The question in the first message only (RFC 5936 section 2.2).
            writer.WriteBytes(context.Packet[HeaderSize..context.QuestionEnd]);
            writer.RegisterName(HeaderSize, context.QName.LabelOffsets, context.QName.SuffixHashes);
            qdCount = 1;
        }

        var count = 0;
        while (true)
        {
            TransferRecord record;
            if (_pending is { } pending)
            {
                record = pending;
                _pending = null;
            }
            else if (_records.MoveNext())
            {
                record = _records.Current;
            }
            else
            {
                Done = true;
                break;
            }

            var mark = writer.Save();
            WriteRecord(writer, record);
            if (writer.Overflowed)
            {
                writer.Restore(mark);
                _pending = record;
                if (context.Transport == DnsTransport.Udp)
                {
                    return -1;
                }

                break;
            }

            count++;
        }

        var flags = 0x8000 | (context.Flags & 0x7800) | 0x0400 | (context.Flags & 0x0100);
        var header = writer.Buffer;
        BinaryPrimitives.WriteUInt16BigEndian(header, context.Id);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)flags);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)qdCount);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], (ushort)count);
        BinaryPrimitives.WriteUInt16BigEndian(header[8..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], 0);
        return count;
    }

    private static void WriteRecord(MessageWriter writer, TransferRecord record)
    {
        writer.WriteName(record.Owner);
        writer.WriteUInt16(record.Type);
        writer.WriteUInt16(DnsClass.IN);
        writer.WriteUInt32(record.Ttl);
        var lengthAt = writer.Position;
        writer.WriteUInt16(0);
        writer.WriteRData(record.Data, RecordType.HasCompressibleNames(record.Type));
        if (!writer.Overflowed)
        {
            writer.PatchUInt16(lengthAt, writer.Position - lengthAt - 2);
        }
    }

    private static IEnumerable<TransferRecord> FullRecords(Zone zone)
    {
        var soa = ZoneRecords.Soa(zone);
        yield return soa;
        foreach (var record in ZoneRecords.AllButSoa(zone))
        {
            yield return record;
        }

        yield return soa;
    }

    private static IEnumerable<TransferRecord> IncrementalRecords(Zone zone, IReadOnlyList<ZoneDelta> deltas)
    {
        var soa = ZoneRecords.Soa(zone);
        yield return soa;
        foreach (var delta in deltas)
        {
            yield return delta.OldSoa;
            foreach (var record in delta.Removed)
            {
                yield return record;
            }

            yield return delta.NewSoa;
            foreach (var record in delta.Added)
            {
                yield return record;
            }
        }

        yield return soa;
    }
}
