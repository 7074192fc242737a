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
        var r = new WireReader(wire);
        switch (type)
        {
            case RecordType.A when wire.Length == 4:
                sb.Append(wire[0]).Append('.').Append(wire[1]).Append('.').Append(wire[2]).Append('.').Append(wire[3]);
                return true;
            case RecordType.AAAA when wire.Length == 16:
                sb.Append(new IPAddress(wire));
                return true;
            case RecordType.NS or RecordType.CNAME or RecordType.PTR or RecordType.DNAME:
                return r.Name(sb) && r.AtEnd;
            case RecordType.MX:
                return r.UInt16(sb) && r.Name(sb) && r.AtEnd;
            case RecordType.TXT or RecordType.SPF:
                if (r.AtEnd)
                {
                    return false;
                }

                while (!r.AtEnd)
                {
                    if (!r.CharacterString(sb))
                    {
                        return false;
                    }
                }

                return true;
            case RecordType.SRV:
                return r.UInt16(sb) && r.UInt16(sb) && r.UInt16(sb) && r.Name(sb) && r.AtEnd;
            case RecordType.CAA:
                return r.UInt8(sb) && r.CaaTag(sb) && r.QuotedRest(sb);
            case RecordType.SOA:
                return r.Name(sb) && r.Name(sb)
                    && r.UInt32(sb) && r.UInt32(sb) && r.UInt32(sb) && r.UInt32(sb) && r.UInt32(sb) && r.AtEnd;
            case RecordType.HINFO:
                return r.CharacterString(sb) && r.CharacterString(sb) && r.AtEnd;
            case RecordType.NAPTR:
                return r.UInt16(sb) && r.UInt16(sb)
                    && r.CharacterString(sb) && r.CharacterString(sb) && r.CharacterString(sb) && r.Name(sb) && r.AtEnd;
            case RecordType.SSHFP:
                return r.UInt8(sb) && r.UInt8(sb) && r.HexRest(sb);
            case RecordType.TLSA:
                return r.UInt8(sb) && r.UInt8(sb) && r.UInt8(sb) && r.HexRest(sb);
            case RecordType.DS:
                return r.UInt16(sb) && r.UInt8(sb) && r.UInt8(sb) && r.HexRest(sb);
            case RecordType.DNSKEY:
                return r.UInt16(sb) && r.UInt8(sb) && r.UInt8(sb) && r.Base64Rest(sb);
            default:
                return false;
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
