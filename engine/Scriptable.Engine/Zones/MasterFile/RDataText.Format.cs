using System.Buffers.Binary;
using System.Net;
using System.Text;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>Printing RDATA in presentation format, as dig prints it.</summary>
internal static partial class RDataText
{
    /// <summary>
    /// Formats RDATA in presentation format: names absolute with a trailing dot, strings quoted with escapes,
    /// hex upper case. Types without a text form here, and RDATA that does not fit its type's layout, are
    /// printed in the RFC 3597 form <c>\# length hex</c>. <see cref="TryParse(ushort, string, DnsName, out RData?, out string?)"/>
    /// reads the result back to equal RDATA.
    /// </summary>
    public static string Format(ushort type, RData rdata)
    {
        var wire = rdata.Wire;
        var sb = new StringBuilder((wire.Length * 2) + 16);
        if (!TryFormatTyped(type, wire, sb))
        {
            sb.Clear();
            sb.Append(@"\# ").Append(wire.Length);
            if (wire.Length > 0)
            {
                sb.Append(' ');
                PresentationText.AppendHex(sb, wire);
            }
        }

        return sb.ToString();
    }

    private static bool TryFormatTyped(ushort type, ReadOnlySpan<byte> wire, StringBuilder sb)
    {
        if (RDataShape.For(type) is { } shape)
        {
            return TryFormatShape(shape, wire, sb);
        }

        var r = new WireReader(wire);
        switch (type)
        {
            case RecordType.A when wire.Length == 4:
                return r.IPv4(sb);
            case RecordType.AAAA when wire.Length == 16:
                sb.Append(new IPAddress(wire));
                return true;
            case RecordType.CAA:
                return r.UInt8(sb) && r.CaaTag(sb) && r.QuotedRest(sb);
            case RecordType.SOA:
                return r.Name(sb) && r.Name(sb)
                    && r.UInt32(sb) && r.UInt32(sb) && r.UInt32(sb) && r.UInt32(sb) && r.UInt32(sb) && r.AtEnd;
            default:
                return TryFormatSpecial(type, wire, sb);
        }
    }

    /// <summary>Reads RDATA fields in order, appending each in presentation format; false once the layout does not fit.</summary>
    private ref struct WireReader
    {
        private readonly ReadOnlySpan<byte> _wire;
        private int _pos;

        public WireReader(ReadOnlySpan<byte> wire)
        {
            _wire = wire;
        }

        public readonly bool AtEnd => _pos == _wire.Length;

        /// <summary>Octets read so far.</summary>
        public readonly int Position => _pos;

        /// <summary>Separates fields with one space: every field but the first follows another.</summary>
        private static StringBuilder Field(StringBuilder sb) => sb.Length == 0 ? sb : sb.Append(' ');

        public bool UInt8(StringBuilder sb)
        {
            if (_pos + 1 > _wire.Length)
            {
                return false;
            }

            Field(sb).Append(_wire[_pos++]);
            return true;
        }

        public bool UInt16(StringBuilder sb)
        {
            if (_pos + 2 > _wire.Length)
            {
                return false;
            }

            Field(sb).Append(BinaryPrimitives.ReadUInt16BigEndian(_wire[_pos..]));
            _pos += 2;
            return true;
        }

        public bool UInt32(StringBuilder sb)
        {
            if (_pos + 4 > _wire.Length)
            {
                return false;
            }

            Field(sb).Append(BinaryPrimitives.ReadUInt32BigEndian(_wire[_pos..]));
            _pos += 4;
            return true;
        }

        public bool Name(StringBuilder sb)
        {
            var end = _pos;
            while (end < _wire.Length && _wire[end] != 0)
            {
                if (_wire[end] > DnsName.MaxLabelLength)
                {
                    return false;
                }

                end += _wire[end] + 1;
            }

            if (end >= _wire.Length || end + 1 - _pos > DnsName.MaxWireLength)
            {
                return false;
            }

            Field(sb).Append(DnsName.FromWire(_wire[_pos..(end + 1)]));
            _pos = end + 1;
            return true;
        }

        public bool Time(StringBuilder sb)
        {
            if (_pos + 4 > _wire.Length)
            {
                return false;
            }

            Field(sb).Append(FormatTime(BinaryPrimitives.ReadUInt32BigEndian(_wire[_pos..])));
            _pos += 4;
            return true;
        }

        public bool Type(StringBuilder sb)
        {
            if (_pos + 2 > _wire.Length)
            {
                return false;
            }

            Field(sb).Append(RecordType.ToText(BinaryPrimitives.ReadUInt16BigEndian(_wire[_pos..])));
            _pos += 2;
            return true;
        }

        public bool CertificateType(StringBuilder sb)
        {
            if (_pos + 2 > _wire.Length)
            {
                return false;
            }

            var value = BinaryPrimitives.ReadUInt16BigEndian(_wire[_pos..]);
            if (CertificateTypeName(value) is { } name)
            {
                Field(sb).Append(name);
            }
            else
            {
                Field(sb).Append(value);
            }

            _pos += 2;
            return true;
        }

        public bool IPv4(StringBuilder sb)
        {
            if (_pos + 4 > _wire.Length)
            {
                return false;
            }

            Field(sb).Append(_wire[_pos]).Append('.').Append(_wire[_pos + 1]).Append('.').Append(_wire[_pos + 2]).Append('.').Append(_wire[_pos + 3]);
            _pos += 4;
            return true;
        }

        public bool IPv6(StringBuilder sb)
        {
            if (_pos + 16 > _wire.Length)
            {
                return false;
            }

            Field(sb).Append(new IPAddress(_wire.Slice(_pos, 16)));
            _pos += 16;
            return true;
        }

        /// <summary>Hex digits in groups joined by a separator, lower case (EUI-48, EUI-64, RFC 6742 locators).</summary>
        public bool Groups(StringBuilder sb, int groups, int digits, char separator)
        {
            var length = groups * digits / 2;
            if (_pos + length > _wire.Length)
            {
                return false;
            }

            Field(sb);
            for (var i = 0; i < length; i++)
            {
                if (i > 0 && i % (digits / 2) == 0)
                {
                    sb.Append(separator);
                }

                sb.Append(_wire[_pos + i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }

            _pos += length;
            return true;
        }

        /// <summary>Appends <c>-</c>: a field that is empty on the wire (DOA data).</summary>
        public static bool Dash(StringBuilder sb)
        {
            Field(sb).Append('-');
            return true;
        }

        /// <summary>Appends <c>.</c>: a gateway or relay of type 0, absent on the wire.</summary>
        public static bool Root(StringBuilder sb)
        {
            Field(sb).Append('.');
            return true;
        }

        /// <summary>NXT's bitmap: one bit per type below 128, from type 0 (RFC 2535 section 5.2).</summary>
        public bool OldTypes(StringBuilder sb)
        {
            var bits = _wire[_pos..];
            if (bits.Length > 16)
            {
                return false;
            }

            for (var i = 0; i < bits.Length * 8; i++)
            {
                if ((bits[i >> 3] & (0x80 >> (i & 7))) != 0)
                {
                    Field(sb).Append(RecordType.ToText((ushort)i));
                }
            }

            _pos = _wire.Length;
            return true;
        }

        public bool CharacterStrings(StringBuilder sb)
        {
            if (AtEnd)
            {
                return false;
            }

            while (!AtEnd)
            {
                if (!CharacterString(sb))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>A length octet and that many octets: as hex, or <c>-</c> when none (NSEC3 salt).</summary>
        public bool Salt(StringBuilder sb)
        {
            if (!TryLengthPrefixed(out var octets))
            {
                return false;
            }

            if (octets.IsEmpty)
            {
                Field(sb).Append('-');
            }
            else
            {
                Field(sb).Append(Convert.ToHexString(octets));
            }

            return true;
        }

        /// <summary>A length octet and that many octets as base32hex (NSEC3 next hashed owner).</summary>
        public bool Base32Hex(StringBuilder sb)
        {
            if (!TryLengthPrefixed(out var octets) || octets.IsEmpty)
            {
                return false;
            }

            PresentationText.AppendBase32Hex(Field(sb), octets);
            return true;
        }

        public bool Types(StringBuilder sb)
        {
            var ok = TypeBitmap.Append(_wire[_pos..], sb);
            _pos = _wire.Length;
            return ok;
        }

        /// <summary>The octets that follow a length octet; false when they do not fit.</summary>
        public bool TryLengthPrefixed(out ReadOnlySpan<byte> octets)
        {
            if (_pos >= _wire.Length || _pos + 1 + _wire[_pos] > _wire.Length)
            {
                octets = default;
                return false;
            }

            octets = _wire.Slice(_pos + 1, _wire[_pos]);
            _pos += 1 + octets.Length;
            return true;
        }

        public bool CharacterString(StringBuilder sb)
        {
            if (_pos >= _wire.Length || _pos + 1 + _wire[_pos] > _wire.Length)
            {
                return false;
            }

            PresentationText.AppendQuoted(Field(sb), _wire.Slice(_pos + 1, _wire[_pos]));
            _pos += 1 + _wire[_pos];
            return true;
        }

        public bool CaaTag(StringBuilder sb)
        {
            if (_pos >= _wire.Length || _wire[_pos] == 0 || _pos + 1 + _wire[_pos] > _wire.Length)
            {
                return false;
            }

            Field(sb);
            foreach (var b in _wire.Slice(_pos + 1, _wire[_pos]))
            {
                if (!char.IsAsciiLetterOrDigit((char)b))
                {
                    return false;
                }

                sb.Append((char)b);
            }

            _pos += 1 + _wire[_pos];
            return true;
        }

        public bool QuotedRest(StringBuilder sb)
        {
            PresentationText.AppendQuoted(Field(sb), _wire[_pos..]);
            _pos = _wire.Length;
            return true;
        }

        public bool HexRest(StringBuilder sb)
        {
            if (AtEnd)
            {
                return false;
            }

            PresentationText.AppendHex(Field(sb), _wire[_pos..]);
            _pos = _wire.Length;
            return true;
        }

        public bool Base64Rest(StringBuilder sb)
        {
            if (AtEnd)
            {
                return false;
            }

            PresentationText.AppendBase64(Field(sb), _wire[_pos..]);
            _pos = _wire.Length;
            return true;
        }
    }
}
