using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Scriptable.TestCommon.Mmdb;

/// <summary>A network parsed from CIDR text, as the bits of its path in one database's search tree.</summary>
internal sealed record MmdbNetwork(string Text, byte[] Bits, int PrefixLength)
{
    /// <summary>The value of bit <paramref name="index"/> (0 = most significant) of the network address.</summary>
    public int Bit(int index) => (Bits[index >> 3] >> (7 - (index & 7))) & 1;

    /// <summary>
    /// Parses "a.b.c.d/n", "x::/n" or a bare address (a host route) for a tree of
    /// <paramref name="ipVersion"/>; IPv4 networks in an IPv6 tree become ::a.b.c.d/(96+n).
    /// </summary>
    public static MmdbNetwork Parse(string cidr, int ipVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cidr);
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? cidr : cidr[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0))
        {
            throw new ArgumentException($"'{cidr}' is not a network: expected an address and a prefix length such as '192.0.2.0/24' or '2001:db8::/32'.", nameof(cidr));
        }

        var bytes = address.GetAddressBytes();
        var maxLength = bytes.Length * 8;
        var prefix = maxLength;
        if (slash >= 0 && (!int.TryParse(cidr.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > maxLength))
        {
            throw new ArgumentException($"'{cidr}' has a bad prefix length: expected 0 to {maxLength}.", nameof(cidr));
        }

        for (var bit = prefix; bit < maxLength; bit++)
        {
            if (((bytes[bit >> 3] >> (7 - (bit & 7))) & 1) != 0)
            {
                var network = new IPNetwork(Mask(address, prefix), prefix);
                throw new ArgumentException($"'{cidr}' has host bits set after the prefix; did you mean '{network}'?", nameof(cidr));
            }
        }

        if (ipVersion == 4)
        {
            if (address.AddressFamily != AddressFamily.InterNetwork)
            {
                throw new ArgumentException($"'{cidr}' is an IPv6 network; an IPv4 database (ipVersion 4) holds only IPv4 networks.", nameof(cidr));
            }

            return new MmdbNetwork(cidr, bytes, prefix);
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            // IPv4 lives in ::/96 of an IPv6 tree: MaxMind's readers walk 96 zero bits to find it.
            var mapped = new byte[16];
            bytes.CopyTo(mapped, 12);
            return new MmdbNetwork(cidr, mapped, 96 + prefix);
        }

        return new MmdbNetwork(cidr, bytes, prefix);
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit >> 3] &= (byte)~(1 << (7 - (bit & 7)));
        }

        return new IPAddress(bytes);
    }
}
