using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Scriptable.Server.Transport;

/// <summary>Reads the peer's address and port out of a native <see cref="SocketAddress"/> without allocating.</summary>
internal static class SocketAddressReader
{
    /// <summary>Copies the address octets (4 or 16) into <paramref name="destination"/>; returns their count.</summary>
    public static int ReadAddress(SocketAddress address, Span<byte> destination, out int port)
    {
        var raw = address.Buffer.Span;
        port = BinaryPrimitives.ReadUInt16BigEndian(raw[2..]);
        if (address.Family == AddressFamily.InterNetwork)
        {
            raw.Slice(4, 4).CopyTo(destination);
            return 4;
        }

        // sockaddr_in6: family, port, flowinfo, then the address.
        var v6 = raw.Slice(8, 16);
        if (IsV4Mapped(v6))
        {
            v6[12..].CopyTo(destination);
            return 4;
        }

        v6.CopyTo(destination);
        return 16;
    }

    private static bool IsV4Mapped(ReadOnlySpan<byte> v6) =>
        v6[..10].IndexOfAnyExcept((byte)0) < 0 && v6[10] == 0xFF && v6[11] == 0xFF;

    /// <summary>Creates an empty native address for a family (the receive call fills it).</summary>
    public static SocketAddress Create(AddressFamily family) =>
        new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0).Serialize();
}
