using System.Buffers.Binary;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Pipeline.Stages;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Isolation;

/// <summary>
/// A made-up question that runs the query path once before a worker serves (both sides of the channel are compiled
/// by the JIT then, not during the first real query, which has a deadline), and once per version loaded in a
/// worker: <c>name A</c> from 192.0.2.1 over UDP, with EDNS and an ECS option of 192.0.2.0/24.
/// </summary>
internal static class WarmUpQuestion
{
    /// <summary>Fills <paramref name="query"/> with the question for <paramref name="name"/>, parsed as the pipeline parses it.</summary>
    public static void Fill(QueryContext query, DnsName name)
    {
        var packet = new byte[12 + name.WireLength + 4 + 11 + 11];
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), 1);
        name.Wire.CopyTo(packet.AsSpan(12));
        var pos = 12 + name.WireLength;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(pos), RecordType.A);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(pos + 2), DnsClass.IN);
        pos += 4;

        // OPT: root owner, type 41, payload 1232, no flags, one option: ECS family 1, source /24, scope 0, 192.0.2.
        packet[pos] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(pos + 1), RecordType.OPT);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(pos + 3), 1232);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(pos + 9), 11);
        pos += 11;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(pos), ClientSubnet.OptionCode);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(pos + 2), 7);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(pos + 4), 1);
        packet[pos + 6] = 24;
        packet[pos + 8] = 192;
        packet[pos + 10] = 2;

        query.Reset(packet, 0, packet.Length, DnsTransport.Udp);
        query.SetClient([192, 0, 2, 1], 53);
        _ = new ParseStage().Invoke(query);
        query.SetLookupAddress(query.Ecs.FullAddress, fromEcs: true);
    }
}
