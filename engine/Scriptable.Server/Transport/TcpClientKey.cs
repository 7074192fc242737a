using System.Buffers.Binary;
using System.Net;

namespace Scriptable.Server.Transport;

/// <summary>
/// The client a TCP connection is counted against for the per-client limit: its address cut to a prefix (a
/// /32 is one IPv4 address; a /64 one IPv6 subnet, since one host often holds a whole /64 and can pick a new
/// address for every connection). IPv4-mapped IPv6 addresses count as IPv4.
/// </summary>
internal readonly record struct TcpClientKey(UInt128 Network, int Prefix, bool IsIPv6)
{
    /// <summary>The key of an address given as 4 or 16 octets.</summary>
    public static TcpClientKey From(ReadOnlySpan<byte> address, int ipv4Prefix, int ipv6Prefix)
    {
        if (address.Length == 4)
        {
            var v4 = BinaryPrimitives.ReadUInt32BigEndian(address);
            var mask = ipv4Prefix == 0 ? 0u : uint.MaxValue << (32 - ipv4Prefix);
            return new TcpClientKey(v4 & mask, ipv4Prefix, IsIPv6: false);
        }

        var v6 = BinaryPrimitives.ReadUInt128BigEndian(address);
        var mask6 = ipv6Prefix == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - ipv6Prefix);
        return new TcpClientKey(v6 & mask6, ipv6Prefix, IsIPv6: true);
    }

    /// <summary>The address, or the network and its prefix when it groups more than one address.</summary>
    public override string ToString()
    {
        Span<byte> octets = stackalloc byte[16];
        IPAddress address;
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(octets, Network);
            address = new IPAddress(octets);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(octets, (uint)Network);
            address = new IPAddress(octets[..4]);
        }

        return Prefix == (IsIPv6 ? 128 : 32) ? address.ToString() : $"{address}/{Prefix}";
    }
}
