using System.Buffers.Binary;

namespace Scriptable.Engine.Protocol;

/// <summary>
/// The RDATA of one record, pre-encoded in uncompressed wire format when a zone loads, with the position of
/// every embedded domain name so the writer can compress them (RFC 1035 types only) and the answer stage can
/// follow them (CNAME target, NS/MX/SRV targets for additional records).
/// </summary>
public sealed class RData : IEquatable<RData>
{
    private readonly byte[] _wire;
    private readonly NameRef[] _names;

    private RData(byte[] wire, NameRef[] names, DnsName? target)
    {
        _wire = wire;
        _names = names;
        Target = target;
    }

    /// <summary>The uncompressed wire bytes.</summary>
    public ReadOnlySpan<byte> Wire => _wire;

    /// <summary>
    /// The name this record points at (NS, CNAME, PTR, DNAME target, MX exchange, SRV, SVCB and HTTPS target), or null.
    /// </summary>
    public DnsName? Target { get; }

    internal ReadOnlySpan<NameRef> Names => _names;

    /// <summary>
    /// Wraps wire RDATA of a given type, validating the layout of types that carry names and locating them.
    /// Types with no names (and unknown types, RFC 3597) are taken as opaque bytes.
    /// </summary>
    public static RData FromWire(ushort type, ReadOnlySpan<byte> wire)
    {
        if (!TryFromWire(type, wire, out var rdata, out var error))
        {
            throw new FormatException(error);
        }

        return rdata;
    }

    /// <summary>As <see cref="FromWire"/>, reporting a layout error instead of throwing.</summary>
    public static bool TryFromWire(ushort type, ReadOnlySpan<byte> wire, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RData? rdata, out string? error)
    {
        rdata = null;
        error = null;
        if (wire.Length > ushort.MaxValue)
        {
            error = "RDATA longer than 65535 octets";
            return false;
        }

        var bytes = wire.ToArray();
        switch (type)
        {
            case RecordType.A when wire.Length != 4:
                error = "A RDATA must be 4 octets";
                return false;
            case RecordType.AAAA when wire.Length != 16:
                error = "AAAA RDATA must be 16 octets";
                return false;
            case RecordType.NS or RecordType.CNAME or RecordType.PTR or RecordType.DNAME:
                return One(bytes, 0, true, out rdata, out error);
            case RecordType.MX:
                return Fixed(bytes, 2, out error) && One(bytes, 2, true, out rdata, out error);
            case RecordType.SRV:
                return Fixed(bytes, 6, out error) && One(bytes, 6, true, out rdata, out error);
            case RecordType.SVCB or RecordType.HTTPS:
            {
                // priority(2) target<name> parameters: the target is what additional processing follows (RFC 9460).
                var end = bytes.Length > 2 ? NameEnd(bytes, 2) : -1;
                if (end < 0)
                {
                    error = $"{RecordType.ToText(type)} RDATA must be a priority, a target name and parameters";
                    return false;
                }

                var target = DnsName.FromWire(bytes.AsSpan(2, end - 2));
                rdata = new RData(bytes, [new NameRef(2, target)], target);
                return true;
            }

            case RecordType.SOA:
            {
                var m = NameEnd(bytes, 0);
                var r = m < 0 ? -1 : NameEnd(bytes, m);
                if (r < 0 || bytes.Length != r + 20)
                {
                    error = "SOA RDATA must be two names and five 32-bit numbers";
                    return false;
                }

                rdata = new RData(bytes, [new NameRef(0, DnsName.FromWire(bytes.AsSpan(0, m))), new NameRef(m, DnsName.FromWire(bytes.AsSpan(m, r - m)))], null);
                return true;
            }

            case RecordType.NAPTR:
            {
                // order(2) preference(2) flags<str> services<str> regexp<str> replacement<name>
                var pos = 4;
                for (var i = 0; i < 3; i++)
                {
                    if (pos >= bytes.Length)
                    {
                        error = "NAPTR RDATA truncated";
                        return false;
                    }

                    pos += bytes[pos] + 1;
                }

                return One(bytes, pos, false, out rdata, out error);
            }
        }

        rdata = new RData(bytes, [], null);
        return true;
    }

    private static bool Fixed(byte[] bytes, int length, out string? error)
    {
        error = bytes.Length > length ? null : "RDATA truncated";
        return error is null;
    }

    /// <summary>RDATA whose tail from <paramref name="offset"/> is exactly one name.</summary>
    private static bool One(byte[] bytes, int offset, bool isTarget, out RData? rdata, out string? error)
    {
        var end = NameEnd(bytes, offset);
        if (end != bytes.Length)
        {
            rdata = null;
            error = "RDATA name malformed or followed by extra octets";
            return false;
        }

        var target = DnsName.FromWire(bytes.AsSpan(offset, end - offset));
        rdata = new RData(bytes, [new NameRef(offset, target)], isTarget ? target : null);
        error = null;
        return true;
    }

    /// <summary>Offset just past an uncompressed name starting at <paramref name="offset"/>, or -1.</summary>
    private static int NameEnd(ReadOnlySpan<byte> bytes, int offset)
    {
        var pos = offset;
        while (pos < bytes.Length)
        {
            int len = bytes[pos];
            if (len == 0)
            {
                return pos + 1 - offset > DnsName.MaxWireLength ? -1 : pos + 1;
            }

            if (len > DnsName.MaxLabelLength)
            {
                return -1;
            }

            pos += len + 1;
        }

        return -1;
    }

    /// <summary>Reads a big-endian 32-bit field (SOA serial/minimum and the like).</summary>
    internal uint ReadUInt32(int offset) => BinaryPrimitives.ReadUInt32BigEndian(_wire.AsSpan(offset));

    /// <inheritdoc />
    public bool Equals(RData? other)
    {
        if (other is null || other._wire.Length != _wire.Length)
        {
            return false;
        }

        // Embedded names compare case-insensitively (RFC 4034 section 6.2 canonical form).
        if (_names.Length == 0)
        {
            return _wire.AsSpan().SequenceEqual(other._wire);
        }

        return NameHash.EqualsIgnoreCase(_wire, other._wire);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as RData);

    /// <inheritdoc />
    public override int GetHashCode() => (int)NameHash.Compute(_wire);
}

/// <summary>A name inside pre-encoded RDATA: where it starts, and the name itself (for compression).</summary>
internal readonly record struct NameRef(int Offset, DnsName Name);
