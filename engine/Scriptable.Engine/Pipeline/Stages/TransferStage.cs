using System.Buffers.Binary;
using System.Net;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Transfers;

namespace Scriptable.Engine.Pipeline.Stages;

/// <summary>
/// Transfer: AXFR (RFC 5936) and IXFR (RFC 1995) of a zone's apex. A name below the apex gets NOTAUTH; a client the
/// zone's <c>Transfer:Allow</c> list does not name (address, network, TSIG key) gets REFUSED; AXFR over UDP gets
/// FORMERR first, as BIND answers it (a test asks BIND the same). An allowed transfer sets <see cref="QueryContext.Transfer"/>, whose first message the
/// pipeline writes; the TCP transport asks for the others. Every other query goes on.
/// </summary>
internal sealed class TransferStage : QueryStage
{
    /// <inheritdoc />
    public override StageResult Invoke(QueryContext context)
    {
        var type = context.QType;
        if (type is not (RecordType.AXFR or RecordType.IXFR))
        {
            return StageResult.Continue;
        }

        var zone = context.Zone!;
        if (!context.QName.Equals(zone.Origin))
        {
            return context.Respond(ResponseCode.NotAuth);
        }

        if (type == RecordType.AXFR && context.Transport == DnsTransport.Udp)
        {
            // Before the access check, as BIND does ("attempted AXFR over UDP").
            return context.Respond(ResponseCode.FormErr);
        }

        var settings = context.Snapshot.Config.Transfers.For(zone.Origin);
        if (!settings.Allows(new IPAddress(context.ClientAddress), context.Tsig.Key))
        {
            return context.Respond(ResponseCode.Refused);
        }

        if (type == RecordType.AXFR)
        {
            context.Transfer = OutgoingTransfer.Full(zone);
            return context.Respond(ResponseCode.NoError);
        }

        if (!TryReadClientSerial(context, out var clientSerial))
        {
            // RFC 1995 section 3: the query's authority section holds the client's SOA.
            return context.Respond(ResponseCode.FormErr);
        }

        var current = zone.Serial;
        if (clientSerial == current || SerialArithmetic.IsNewer(clientSerial, current))
        {
            context.Transfer = OutgoingTransfer.SoaOnly(zone);
        }
        else if (context.Snapshot.Journals.GetValueOrDefault(zone.Origin)?.From(clientSerial, current) is { } deltas)
        {
            context.Transfer = OutgoingTransfer.Incremental(zone, deltas);
        }
        else
        {
            context.Transfer = OutgoingTransfer.Full(zone);
        }

        return context.Respond(ResponseCode.NoError);
    }

    /// <summary>Reads the serial of the SOA in the query's authority section.</summary>
    private static bool TryReadClientSerial(QueryContext context, out uint serial)
    {
        serial = 0;
        var packet = context.Packet;
        var anCount = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        var nsCount = BinaryPrimitives.ReadUInt16BigEndian(packet[8..]);
        if (nsCount < 1 || context.QuestionEnd == 0)
        {
            return false;
        }

        var pos = context.QuestionEnd;
        for (var i = 0; i < anCount && pos >= 0; i++)
        {
            pos = ParseStage.SkipRecord(packet, pos, out _, out _);
        }

        if (pos < 0)
        {
            return false;
        }

        var end = ParseStage.SkipRecord(packet, pos, out var type, out var rdata);
        if (end < 0 || type != RecordType.SOA)
        {
            return false;
        }

        var names = ParseStage.SkipName(packet[..end], rdata);
        names = names < 0 ? -1 : ParseStage.SkipName(packet[..end], names);
        if (names < 0 || names + 20 != end)
        {
            return false;
        }

        serial = BinaryPrimitives.ReadUInt32BigEndian(packet[names..]);
        return true;
    }
}
