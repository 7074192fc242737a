using System.Buffers.Binary;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Pipeline.Stages;

/// <summary>
/// Finalize: encodes the response (Knot <c>process_query.c</c> <c>process_query_out</c>): header, the
/// question as the client sent it (0x20 case kept), the planned sections with name compression, and the
/// OPT record. Over UDP the size limit is 512 without EDNS, else min(client, our buffer); an RRset that
/// does not fit is left out whole and TC is set; OPT and TSIG always fit because their room is reserved first.
/// The answer to a signed query is signed last (RFC 8945: the TSIG record ends the message).
/// </summary>
internal sealed class FinalizeStage : QueryStage
{
    private const int HeaderSize = 12;
    private const int OptFixedSize = 11;

    /// <inheritdoc />
    public override StageResult Invoke(QueryContext context)
    {
        var config = context.Snapshot.Config;
        var writer = context.Writer;
        var limit = context.Transport == DnsTransport.Tcp
            ? QueryContext.MaxMessageSize
            : context.HasEdns ? Math.Clamp((int)context.ClientUdpSize, 512, Math.Max(512, (int)config.EdnsBufferSize)) : 512;

        var optSize = 0;
        if (context.HasEdns)
        {
            optSize = OptFixedSize;
            if (context.Ecs.Present && context.Rcode != ResponseCode.BadVers)
            {
                optSize += context.Ecs.ResponseOptionSize;
            }

            if (context.NsidRequested && config.NsidBytes.Length > 0)
            {
                optSize += 4 + config.NsidBytes.Length;
            }
        }

        var tsig = context.Tsig;
        var signed = tsig.Present && (tsig.Key is not null || tsig.Error != 0);
        var tsigSize = signed ? Transfers.TsigCodec.ResponseSize(tsig) : 0;
        writer.Reset(context.Response, limit - optSize - tsigSize);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);

        var qdCount = 0;
        if (context.QuestionEnd > 0)
        {
            writer.WriteBytes(context.Packet[HeaderSize..context.QuestionEnd]);
            writer.RegisterName(HeaderSize, context.QName.LabelOffsets, context.QName.SuffixHashes);
            qdCount = 1;
        }

        var truncated = false;
        var plan = context.Plan;
        var anCount = WriteSection(writer, plan.Answer, ref truncated);
        var nsCount = truncated ? 0 : WriteSection(writer, plan.Authority, ref truncated);
        var arCount = truncated ? 0 : WriteSection(writer, plan.Additional, ref truncated, optional: true);

        if (context.HasEdns)
        {
            writer.Limit = limit;
            WriteOpt(context, writer, config.EdnsBufferSize);
            arCount++;
        }

        var rcode = context.Rcode;
        // Opcode and RD are copied; CD too, for QUERY only: it means "checking disabled" for a query (RFC 4035
        // 3.1.6) and nothing for other opcodes (RFC 6895 section 2), whose answers knotd sends without it.
        var flags = 0x8000 | (context.Flags & 0x7800) | (context.Flags & 0x0100) | (rcode & 0xF);
        if (context.Opcode == OpCode.Query)
        {
            flags |= context.Flags & 0x0010;
        }

        if (context.Authoritative)
        {
            flags |= 0x0400;
        }

        if (truncated)
        {
            flags |= 0x0200;
            context.Truncated = true;
        }

        var header = writer.Buffer;
        BinaryPrimitives.WriteUInt16BigEndian(header, context.Id);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)flags);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)qdCount);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], (ushort)anCount);
        BinaryPrimitives.WriteUInt16BigEndian(header[8..], (ushort)nsCount);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], (ushort)arCount);
        context.ResponseLength = signed
            ? Transfers.TsigCodec.Sign(context.Response, writer.Position, tsig, Now(context))
            : writer.Position;
        return StageResult.Continue;
    }

    /// <summary>Seconds since the epoch, for TSIG (signed answers only).</summary>
    private static long Now(QueryContext context) => context.Time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>
    /// Writes a section's RRsets whole. An RRset that does not fit ends the section and sets TC, unless the
    /// section is optional additional data, where it is left out silently (required glue still sets TC).
    /// </summary>
    private static int WriteSection(MessageWriter writer, PlannedSection section, ref bool truncated, bool optional = false)
    {
        var count = 0;
        foreach (ref readonly var item in section.Items)
        {
            var mark = writer.Save();
            writer.WriteRRset(item.Set, item.Owner, item.Ttl, item.Order, item.Rotation);
            if (!writer.Overflowed)
            {
                count += item.Set.Records.Length;
                continue;
            }

            writer.Restore(mark);
            if (!optional || item.Required)
            {
                truncated = true;
                return count;
            }
        }

        return count;
    }

    private static void WriteOpt(QueryContext context, MessageWriter writer, ushort bufferSize)
    {
        var rcode = context.Rcode;
        writer.WriteBytes([0]);
        writer.WriteUInt16(RecordType.OPT);
        writer.WriteUInt16(bufferSize);

        // Extended rcode high bits, version 0 (the highest we support), DO echoed (RFC 3225); other flags clear.
        writer.WriteUInt32(((uint)(rcode >> 4) << 24) | (context.DnssecOk ? 0x8000u : 0));
        var lengthAt = writer.Position;
        writer.WriteUInt16(0);
        if (context.Ecs.Present && rcode != ResponseCode.BadVers)
        {
            context.Ecs.Write(writer, context.EcsScope);
        }

        var nsid = context.Snapshot.Config.NsidBytes;
        if (context.NsidRequested && nsid.Length > 0)
        {
            writer.WriteUInt16(3);
            writer.WriteUInt16(nsid.Length);
            writer.WriteBytes(nsid);
        }

        writer.PatchUInt16(lengthAt, writer.Position - lengthAt - 2);
    }
}
