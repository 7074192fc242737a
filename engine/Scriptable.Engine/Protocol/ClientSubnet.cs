using System.Buffers.Binary;
using System.Net;

namespace Scriptable.Engine.Protocol;

/// <summary>
/// The EDNS Client Subnet option of a query (RFC 7871): family, source prefix and address, kept inline so
/// parsing it allocates nothing. The response echoes it with the scope prefix the answer depended on.
/// </summary>
internal sealed class ClientSubnet
{
    /// <summary>EDNS option code of ECS.</summary>
    public const ushort OptionCode = 8;

    private readonly byte[] _address = new byte[16];

    /// <summary>True if the query carried the option.</summary>
    public bool Present { get; private set; }

    /// <summary>1 for IPv4, 2 for IPv6.</summary>
    public ushort Family { get; private set; }

    /// <summary>The SOURCE PREFIX-LENGTH sent by the client.</summary>
    public byte SourcePrefix { get; private set; }

    /// <summary>The address octets sent (ceil(source/8) of them), zero-padded to 16.</summary>
    public ReadOnlySpan<byte> Address => _address.AsSpan(0, AddressLength);

    /// <summary>The address zero-padded to its family's length: 4 octets for IPv4, 16 for IPv6.</summary>
    public ReadOnlySpan<byte> FullAddress => _address.AsSpan(0, Family == 1 ? 4 : 16);

    /// <summary>Number of address octets sent.</summary>
    public int AddressLength => (SourcePrefix + 7) >> 3;

    /// <summary>Size of the option echoed in a response, including its 4-octet option header.</summary>
    public int ResponseOptionSize => 4 + 4 + AddressLength;

    /// <summary>Forgets the previous query's option.</summary>
    public void Clear() => Present = false;

    /// <summary>
    /// Reads the option data. Returns false (FORMERR) for an unknown family, a prefix longer than the family
    /// allows, a non-zero scope in a query, an address of the wrong length, or bits set beyond the prefix.
    /// </summary>
    public bool TryRead(ReadOnlySpan<byte> data)
    {
        if (Present || data.Length < 4)
        {
            return false;
        }

        var family = BinaryPrimitives.ReadUInt16BigEndian(data);
        var source = data[2];
        var scope = data[3];
        var address = data[4..];
        var maxPrefix = family switch { 1 => 32, 2 => 128, _ => -1 };
        if (maxPrefix < 0 || source > maxPrefix || scope != 0 || address.Length != (source + 7) >> 3)
        {
            return false;
        }

        if ((source & 7) != 0 && (address[^1] & (0xFF >> (source & 7))) != 0)
        {
            return false;
        }

        Family = family;
        SourcePrefix = source;
        _address.AsSpan().Clear();
        address.CopyTo(_address);
        Present = true;
        return true;
    }

    /// <summary>Writes the option echoed with <paramref name="scopePrefix"/>.</summary>
    public void Write(MessageWriter writer, byte scopePrefix)
    {
        writer.WriteUInt16(OptionCode);
        writer.WriteUInt16(4 + AddressLength);
        writer.WriteUInt16(Family);
        writer.WriteBytes([SourcePrefix, scopePrefix]);
        writer.WriteBytes(Address);
    }

    /// <summary>The subnet's network address (allocates; for policies and logs).</summary>
    public IPAddress ToAddress() => Family == 1 ? new IPAddress(_address.AsSpan(0, 4)) : new IPAddress(_address.AsSpan(0, 16));

    /// <inheritdoc />
    public override string ToString() => Present ? $"{ToAddress()}/{SourcePrefix}" : "none";
}
