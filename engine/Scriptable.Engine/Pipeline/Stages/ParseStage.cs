using System.Buffers.Binary;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Pipeline.Stages;

/// <summary>
/// Receive: reads the header, the question and the OPT record from the packet's bytes without allocating
/// (NSD <c>query.c</c>). Garbage and responses are dropped; a readable header with a bad body gets FORMERR. A
/// message of another opcode than QUERY may have no question (it gets NOTIMP from Validate).
/// </summary>
internal sealed class ParseStage : QueryStage
{
    /// <summary>EDNS option code of NSID (RFC 5001).</summary>
    private const ushort NsidOption = 3;

    /// <inheritdoc />
    public override StageResult Invoke(QueryContext context)
    {
        var packet = context.Packet;
        if (packet.Length < 12)
        {
            return StageResult.Drop;
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if ((flags & 0x8000) != 0)
        {
            // QR=1: never answer a response (it could be reflected back at us).
            return StageResult.Drop;
        }

        context.Id = BinaryPrimitives.ReadUInt16BigEndian(packet);
        context.Flags = flags;
        context.HeaderValid = true;
        var qdCount = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        var anCount = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        var nsCount = BinaryPrimitives.ReadUInt16BigEndian(packet[8..]);
        var arCount = BinaryPrimitives.ReadUInt16BigEndian(packet[10..]);
        var pos = 12;
        if (qdCount == 1)
        {
            pos = context.QName.Read(packet, 12);
            if (pos < 0 || pos + 4 > packet.Length)
            {
                return context.Respond(ResponseCode.FormErr);
            }

            context.QType = BinaryPrimitives.ReadUInt16BigEndian(packet[pos..]);
            context.QClass = BinaryPrimitives.ReadUInt16BigEndian(packet[(pos + 2)..]);
            pos += 4;
            context.QuestionEnd = pos;
        }
        else if (qdCount != 0 || context.Opcode == OpCode.Query)
        {
            // A QUERY has exactly one question. Another opcode may have none (RFC 6895 section 2.2: the opcode
            // says how to read the rest); it is read on, so Validate answers NOTIMP with the OPT echoed, as knotd does.
            return context.Respond(ResponseCode.FormErr);
        }

        // Answer and authority records of a query are skipped, but must be well formed.
        for (var i = 0; i < anCount + nsCount; i++)
        {
            pos = SkipRecord(packet, pos, out _, out _);
            if (pos < 0)
            {
                return context.Respond(ResponseCode.FormErr);
            }
        }

        for (var i = 0; i < arCount; i++)
        {
            var start = pos;
            pos = SkipRecord(packet, pos, out var type, out var rdataStart);
            if (pos < 0)
            {
                return context.Respond(ResponseCode.FormErr);
            }

            if (type == RecordType.OPT && !ReadOpt(context, packet, start, rdataStart, pos))
            {
                context.HasEdns = false;
                return context.Respond(ResponseCode.FormErr);
            }

            if (type == RecordType.TSIG)
            {
                if (i != arCount - 1 || pos != packet.Length)
                {
                    // RFC 8945 section 5.1: the TSIG record is the last of the message.
                    return context.Respond(ResponseCode.FormErr);
                }

                context.Tsig.Found(start);
            }
        }

        // Octets past the counted records are ignored, as most servers do (a signed message has none: its MAC covers all).
        return StageResult.Continue;
    }

    /// <summary>Reads the OPT pseudo-record (RFC 6891 section 6.1.2); false means FORMERR.</summary>
    private static bool ReadOpt(QueryContext context, ReadOnlySpan<byte> packet, int start, int rdataStart, int end)
    {
        // One OPT only, owned by the root.
        if (context.HasEdns || packet[start] != 0)
        {
            return false;
        }

        context.ClientUdpSize = BinaryPrimitives.ReadUInt16BigEndian(packet[(start + 3)..]);
        var ttl = BinaryPrimitives.ReadUInt32BigEndian(packet[(start + 5)..]);
        context.EdnsVersion = (byte)(ttl >> 16);
        context.DnssecOk = (ttl & 0x8000) != 0;
        var pos = rdataStart;
        while (pos < end)
        {
            if (pos + 4 > end)
            {
                return false;
            }

            var code = BinaryPrimitives.ReadUInt16BigEndian(packet[pos..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(packet[(pos + 2)..]);
            pos += 4;
            if (pos + length > end)
            {
                return false;
            }

            var data = packet.Slice(pos, length);
            pos += length;
            switch (code)
            {
                case ClientSubnet.OptionCode:
                    if (!context.Ecs.TryRead(data))
                    {
                        return false;
                    }

                    break;
                case NsidOption:
                    context.NsidRequested = true;
                    break;
                default:
                    // Unknown options are ignored (RFC 6891 section 6.1.2).
                    break;
            }
        }

        context.HasEdns = true;
        return true;
    }

    /// <summary>
    /// Skips one resource record. Returns the offset after it, or -1 if it runs past the packet or its owner
    /// name is malformed. Compression pointers end a name; they are not followed, so they cannot loop.
    /// </summary>
    internal static int SkipRecord(ReadOnlySpan<byte> packet, int pos, out ushort type, out int rdataStart)
    {
        type = 0;
        rdataStart = -1;
        pos = SkipName(packet, pos);
        if (pos < 0 || pos + 10 > packet.Length)
        {
            return -1;
        }

        type = BinaryPrimitives.ReadUInt16BigEndian(packet[pos..]);
        var rdLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(pos + 8)..]);
        rdataStart = pos + 10;
        var end = rdataStart + rdLength;
        return end > packet.Length ? -1 : end;
    }

    /// <summary>Skips a possibly compressed name; -1 if malformed.</summary>
    internal static int SkipName(ReadOnlySpan<byte> packet, int pos)
    {
        var length = 0;
        while (pos < packet.Length)
        {
            int len = packet[pos];
            switch (len & 0xC0)
            {
                case 0xC0:
                    return pos + 2 <= packet.Length ? pos + 2 : -1;
                case 0x00:
                    if (len == 0)
                    {
                        return pos + 1;
                    }

                    length += len + 1;
                    if (length > DnsName.MaxWireLength)
                    {
                        return -1;
                    }

                    pos += len + 1;
                    break;
                default:
                    // 0x40 and 0x80 label types are obsolete or reserved.
                    return -1;
            }
        }

        return -1;
    }
}
