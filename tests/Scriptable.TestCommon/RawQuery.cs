using System.Buffers.Binary;
using System.Net;
using Scriptable.Engine.Protocol;

namespace Scriptable.TestCommon;

/// <summary>An EDNS OPT record to put in a test query.</summary>
public sealed record Edns(ushort UdpSize = 1232, byte Version = 0, bool DnssecOk = false, ushort ExtraFlags = 0, params (ushort Code, byte[] Data)[] Options);

/// <summary>
/// Builds query packets byte by byte, so tests can send exactly what they mean, malformed packets included.
/// </summary>
public static class RawQuery
{
    /// <summary>A query for one question.</summary>
    public static byte[] Build(string name, ushort type, ushort @class = DnsClass.IN, ushort id = 0x1234, bool recursionDesired = false, Edns? edns = null, int opcode = 0, bool checkingDisabled = false)
    {
        var packet = new List<byte>(64);
        var flags = (opcode << 11) | (recursionDesired ? 0x0100 : 0) | (checkingDisabled ? 0x0010 : 0);
        AddUInt16(packet, id);
        AddUInt16(packet, flags);
        AddUInt16(packet, 1);
        AddUInt16(packet, 0);
        AddUInt16(packet, 0);
        AddUInt16(packet, edns is null ? 0 : 1);
        packet.AddRange(EncodeName(name));
        AddUInt16(packet, type);
        AddUInt16(packet, @class);
        if (edns is not null)
        {
            packet.AddRange(Opt(edns));
        }

        return [.. packet];
    }

    /// <summary>The wire form of an OPT record.</summary>
    public static byte[] Opt(Edns edns)
    {
        var rr = new List<byte> { 0 };
        AddUInt16(rr, RecordType.OPT);
        AddUInt16(rr, edns.UdpSize);
        rr.Add(0);
        rr.Add(edns.Version);
        AddUInt16(rr, (edns.DnssecOk ? 0x8000 : 0) | edns.ExtraFlags);
        var data = new List<byte>();
        foreach (var (code, bytes) in edns.Options)
        {
            AddUInt16(data, code);
            AddUInt16(data, bytes.Length);
            data.AddRange(bytes);
        }

        AddUInt16(rr, data.Count);
        rr.AddRange(data);
        return [.. rr];
    }

    /// <summary>An ECS option for <c>address/prefix</c>, with the address cut to the prefix (RFC 7871).</summary>
    public static (ushort Code, byte[] Data) Ecs(string subnet, byte scope = 0)
    {
        var slash = subnet.IndexOf('/', StringComparison.Ordinal);
        var address = IPAddress.Parse(subnet[..slash]);
        var prefix = byte.Parse(subnet[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var bytes = address.GetAddressBytes();
        var count = (prefix + 7) / 8;
        var cut = bytes[..count];
        if (prefix % 8 != 0)
        {
            cut[^1] &= (byte)(0xFF << (8 - (prefix % 8)));
        }

        var data = new List<byte>();
        AddUInt16(data, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 1 : 2);
        data.Add(prefix);
        data.Add(scope);
        data.AddRange(cut);
        return (8, [.. data]);
    }

    /// <summary>Uncompressed wire form of a name given in text (trailing dot optional).</summary>
    public static byte[] EncodeName(string name)
    {
        var text = name.EndsWith('.') ? name : name + ".";
        return DnsName.Parse(text).Wire.ToArray();
    }

    /// <summary>Sets the header counts of a packet (to build wrong-count packets).</summary>
    public static byte[] WithCounts(byte[] packet, int qd, int an, int ns, int ar)
    {
        var copy = (byte[])packet.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(4), (ushort)qd);
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(6), (ushort)an);
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(8), (ushort)ns);
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(10), (ushort)ar);
        return copy;
    }

    private static void AddUInt16(List<byte> bytes, int value)
    {
        bytes.Add((byte)(value >> 8));
        bytes.Add((byte)value);
    }
}
