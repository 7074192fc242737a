using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Text;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// The types whose text does not map field for field onto the wire: WKS, ISDN, NSAP, NXT, ATMA, A6, APL, IPSECKEY,
/// HIP, DOA, AMTRELAY (LOC and SVCB/HTTPS have files of their own). Each is read and printed as BIND 9.18 does.
/// </summary>
internal static partial class RDataText
{
    private const ushort Wks = 11, Isdn = 20, Nsap = 22, Nxt = 30, Atma = 34, A6 = 38, Apl = 42, IpsecKey = 45, Hip = 55, Doa = 259, AmtRelay = 260;

    // The protocols and services WKS may name (BIND asks the system's databases; these are the ones zones use).
    private static readonly FrozenDictionary<string, byte> _protocols = new Dictionary<string, byte>(StringComparer.OrdinalIgnoreCase)
    {
        ["icmp"] = 1, ["tcp"] = 6, ["udp"] = 17, ["ipv6-icmp"] = 58, ["sctp"] = 132,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, ushort> _services = new Dictionary<string, ushort>(StringComparer.OrdinalIgnoreCase)
    {
        ["echo"] = 7, ["discard"] = 9, ["daytime"] = 13, ["ftp-data"] = 20, ["ftp"] = 21, ["ssh"] = 22, ["telnet"] = 23, ["smtp"] = 25,
        ["time"] = 37, ["whois"] = 43, ["domain"] = 53, ["tftp"] = 69, ["gopher"] = 70, ["finger"] = 79, ["http"] = 80, ["www"] = 80,
        ["kerberos"] = 88, ["pop3"] = 110, ["sunrpc"] = 111, ["auth"] = 113, ["nntp"] = 119, ["ntp"] = 123, ["netbios-ns"] = 137,
        ["imap"] = 143, ["imap2"] = 143, ["snmp"] = 161, ["ldap"] = 389, ["https"] = 443, ["submission"] = 587, ["ldaps"] = 636,
        ["imaps"] = 993, ["pop3s"] = 995,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static bool TryParseSpecial(ushort type, ReadOnlySpan<MasterFileToken> f, DnsName origin, WireBuilder w, out string? error)
    {
        (var known, error) = type switch
        {
            Wks => (true, ParseWks(f, w)),
            Isdn => (true, f.Length is 1 or 2
                ? PresentationText.WriteCharacterString(f[0].Text, w) ?? (f.Length == 2 ? PresentationText.WriteCharacterString(f[1].Text, w) : null)
                : "ISDN needs an ISDN address and an optional subaddress"),
            Nsap => (true, f.Length == 1 && f[0].Text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? DottedHex(f[0].Text[2..], w, "NSAP address")
                : "NSAP needs one address written as 0x and hex digits"),
            Nxt => (true, f.Length >= 1 ? Name(f[0], origin, w, "NXT next name") ?? OldTypeBitmap(f[1..], w) : "NXT needs a next name and types"),
            Atma => (true, f.Length != 1 ? "ATMA needs one address"
                : f[0].Text.StartsWith('+') ? E164(f[0].Text, w) : AtmaHex(f[0].Text, w)),
            A6 => (true, ParseA6(f, origin, w)),
            Apl => (true, ParseApl(f, w)),
            IpsecKey => (true, ParseIpsecKey(f, origin, w)),
            Hip => (true, ParseHip(f, origin, w)),
            Doa => (true, ParseDoa(f, w)),
            AmtRelay => (true, ParseAmtRelay(f, origin, w)),
            RecordType.LOC => (true, ParseLoc(f, w)),
            RecordType.SVCB or RecordType.HTTPS => (true, ParseSvcb(type, f, origin, w)),
            _ => (false, (string?)null),
        };
        return known;
    }

    private static bool TryFormatSpecial(ushort type, ReadOnlySpan<byte> wire, StringBuilder sb)
    {
        var r = new WireReader(wire);
        return type switch
        {
            Wks => FormatWks(wire, sb),
            Isdn => r.CharacterString(sb) && (r.AtEnd || r.CharacterString(sb)) && r.AtEnd,
            Nsap => AppendIfAny(sb, "0x", wire),
            Nxt => r.Name(sb) && r.OldTypes(sb),
            Atma => FormatAtma(wire, sb),
            A6 => FormatA6(wire, sb),
            Apl => FormatApl(wire, sb),
            IpsecKey => FormatIpsecKey(wire, sb),
            Hip => FormatHip(wire, sb),
            Doa => r.UInt32(sb) && r.UInt32(sb) && r.UInt8(sb) && r.CharacterString(sb) && (r.AtEnd ? WireReader.Dash(sb) : r.Base64Rest(sb)),
            AmtRelay => FormatAmtRelay(wire, sb),
            RecordType.LOC => FormatLoc(wire, sb),
            RecordType.SVCB or RecordType.HTTPS => FormatSvcb(wire, sb),
            _ => false,
        };
    }

    /// <summary>An ATMA address in NSAP format (0): the format octet, then hex digits, dots allowed.</summary>
    private static string? AtmaHex(string text, WireBuilder w)
    {
        w.WriteByte(0);
        return DottedHex(text, w, "ATMA address");
    }

    private static bool AppendIfAny(StringBuilder sb, string prefix, ReadOnlySpan<byte> wire)
    {
        sb.Append(prefix).Append(Convert.ToHexStringLower(wire));
        return wire.Length > 0;
    }

    private static string? DottedHex(string text, WireBuilder w, string what)
    {
        var digits = text.Replace(".", string.Empty, StringComparison.Ordinal);
        return digits.Length == 0 ? $"{what} has no hex digits" : PresentationText.WriteHex([new MasterFileToken(digits, false)], w, what);
    }

    private static string? E164(string text, WireBuilder w)
    {
        w.WriteByte(1);
        foreach (var c in text.AsSpan(1))
        {
            if (!char.IsAsciiDigit(c))
            {
                return $"bad ATMA E.164 address '{text}' (expected + and digits)";
            }

            w.WriteByte((byte)c);
        }

        return text.Length > 1 ? null : $"bad ATMA E.164 address '{text}' (expected + and digits)";
    }

    private static bool FormatAtma(ReadOnlySpan<byte> wire, StringBuilder sb)
    {
        if (wire.Length < 2 || wire[0] > 1)
        {
            return false;
        }

        if (wire[0] == 0)
        {
            sb.Append(Convert.ToHexStringLower(wire[1..]));
            return true;
        }

        sb.Append('+');
        foreach (var b in wire[1..])
        {
            if (!char.IsAsciiDigit((char)b))
            {
                return false;
            }

            sb.Append((char)b);
        }

        return true;
    }

    /// <summary>NXT's bitmap (RFC 2535): one bit per type below 128, from type 0, trailing zero octets left out.</summary>
    private static string? OldTypeBitmap(ReadOnlySpan<MasterFileToken> f, WireBuilder w)
    {
        Span<byte> bits = stackalloc byte[16];
        var length = 0;
        foreach (var field in f)
        {
            if (!RecordType.TryParse(field.Text, out var type) || type >= 128)
            {
                return $"bad NXT type '{field.Text}' (expected a type below 128)";
            }

            bits[type >> 3] |= (byte)(0x80 >> (type & 7));
            length = Math.Max(length, (type >> 3) + 1);
        }

        w.WriteBytes(bits[..length]);
        return null;
    }

    private static string? ParseWks(ReadOnlySpan<MasterFileToken> f, WireBuilder w)
    {
        if (f.Length < 2)
        {
            return "WKS needs an address, a protocol and services";
        }

        if (!PresentationText.TryParseIPv4(f[0].Text, w.GetSpan(4)))
        {
            return $"bad WKS address '{f[0].Text}'";
        }

        w.Advance(4);
        if (!byte.TryParse(f[1].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var protocol) && !_protocols.TryGetValue(f[1].Text, out protocol))
        {
            return $"bad WKS protocol '{f[1].Text}' (expected 0-255, tcp or udp)";
        }

        w.WriteByte(protocol);
        var bits = new byte[8192];
        var length = 0;
        foreach (var field in f[2..])
        {
            if (!ushort.TryParse(field.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && !_services.TryGetValue(field.Text, out port))
            {
                return $"bad WKS service '{field.Text}' (expected a port number or a service such as smtp)";
            }

            bits[port >> 3] |= (byte)(0x80 >> (port & 7));
            length = Math.Max(length, (port >> 3) + 1);
        }

        w.WriteBytes(bits.AsSpan(0, length));
        return null;
    }

    private static bool FormatWks(ReadOnlySpan<byte> wire, StringBuilder sb)
    {
        var r = new WireReader(wire);
        if (!r.IPv4(sb) || !r.UInt8(sb))
        {
            return false;
        }

        var bits = wire[5..];
        for (var i = 0; i < bits.Length * 8; i++)
        {
            if ((bits[i >> 3] & (0x80 >> (i & 7))) != 0)
            {
                sb.Append(' ').Append(i);
            }
        }

        return true;
    }

    private static string? ParseA6(ReadOnlySpan<MasterFileToken> f, DnsName origin, WireBuilder w)
    {
        if (f.Length < 1 || !byte.TryParse(f[0].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 128)
        {
            return "A6 needs a prefix length (0-128), an address suffix unless it is 128, and a prefix name unless it is 0";
        }

        var expected = 1 + (prefix < 128 ? 1 : 0) + (prefix > 0 ? 1 : 0);
        if (f.Length != expected)
        {
            return "A6 needs a prefix length (0-128), an address suffix unless it is 128, and a prefix name unless it is 0";
        }

        w.WriteByte(prefix);
        if (prefix < 128)
        {
            Span<byte> address = stackalloc byte[16];
            if (!PresentationText.TryParseIPv6(f[1].Text, address))
            {
                return $"bad A6 address suffix '{f[1].Text}'";
            }

            // The suffix keeps the low (128 - prefix) bits, in whole octets; the bits of the prefix are cleared.
            var octets = (128 - prefix + 7) / 8;
            var suffix = address[(16 - octets)..];
            var pad = (8 - ((128 - prefix) % 8)) % 8;
            suffix[0] &= (byte)(0xFF >> pad);
            w.WriteBytes(suffix);
        }

        return prefix > 0 ? Name(f[^1], origin, w, "A6 prefix name") : null;
    }

    private static bool FormatA6(ReadOnlySpan<byte> wire, StringBuilder sb)
    {
        if (wire.Length < 1 || wire[0] > 128)
        {
            return false;
        }

        var prefix = wire[0];
        sb.Append(prefix);
        var octets = (128 - prefix + 7) / 8;
        if (wire.Length < 1 + octets)
        {
            return false;
        }

        if (prefix < 128)
        {
            Span<byte> address = stackalloc byte[16];
            wire.Slice(1, octets).CopyTo(address[(16 - octets)..]);
            sb.Append(' ').Append(new IPAddress(address));
        }

        var r = new WireReader(wire[(1 + octets)..]);
        return prefix == 0 ? r.AtEnd : r.Name(sb.Append(' ')) && r.AtEnd;
    }

    private static string? ParseApl(ReadOnlySpan<MasterFileToken> f, WireBuilder w)
    {
        Span<byte> address = stackalloc byte[16];
        foreach (var field in f)
        {
            var text = field.Text.AsSpan();
            var negated = text.StartsWith("!");
            if (negated)
            {
                text = text[1..];
            }

            var colon = text.IndexOf(':');
            var slash = text.LastIndexOf('/');
            if (colon < 0 || slash < colon
                || !ushort.TryParse(text[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out var family) || family is not (1 or 2)
                || !byte.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
                || prefix > (family == 1 ? 32 : 128))
            {
                return $"bad APL item '{field.Text}' (expected [!]1:IPv4/prefix or [!]2:IPv6/prefix)";
            }

            var text2 = text[(colon + 1)..slash].ToString();
            var length = family == 1 ? 4 : 16;
            if (!(family == 1 ? PresentationText.TryParseIPv4(text2, address) : PresentationText.TryParseIPv6(text2, address)))
            {
                return $"bad APL address in '{field.Text}'";
            }

            // Trailing zero octets are left out (RFC 3123 section 4).
            while (length > 0 && address[length - 1] == 0)
            {
                length--;
            }

            w.WriteUInt16(family);
            w.WriteByte(prefix);
            w.WriteByte((byte)((negated ? 0x80 : 0) | length));
            w.WriteBytes(address[..length]);
        }

        return null;
    }

    private static bool FormatApl(ReadOnlySpan<byte> wire, StringBuilder sb)
    {
        Span<byte> address = stackalloc byte[16];
        while (wire.Length > 0)
        {
            if (wire.Length < 4)
            {
                return false;
            }

            var family = BinaryPrimitives.ReadUInt16BigEndian(wire);
            var length = wire[3] & 0x7F;
            var size = family == 1 ? 4 : family == 2 ? 16 : 0;
            if (size == 0 || length > size || wire.Length < 4 + length || wire[2] > size * 8)
            {
                return false;
            }

            address.Clear();
            wire.Slice(4, length).CopyTo(address);
            if (sb.Length > 0)
            {
                sb.Append(' ');
            }

            sb.Append((wire[3] & 0x80) != 0 ? "!" : string.Empty).Append(family).Append(':')
                .Append(new IPAddress(address[..size])).Append('/').Append(wire[2]);
            wire = wire[(4 + length)..];
        }

        return true;
    }

    /// <summary>A gateway or relay by type: 0 none (<c>.</c>), 1 IPv4, 2 IPv6, 3 a name (RFC 4025, RFC 8777).</summary>
    private static string? Gateway(byte type, MasterFileToken field, DnsName origin, WireBuilder w, string what)
    {
        switch (type)
        {
            case 0:
                return field.Text == "." ? null : $"bad {what} '{field.Text}' (type 0 has none: write '.')";
            case 1:
                if (!PresentationText.TryParseIPv4(field.Text, w.GetSpan(4)))
                {
                    return $"bad {what} '{field.Text}' (type 1 is an IPv4 address)";
                }

                w.Advance(4);
                return null;
            case 2:
                if (!PresentationText.TryParseIPv6(field.Text, w.GetSpan(16)))
                {
                    return $"bad {what} '{field.Text}' (type 2 is an IPv6 address)";
                }

                w.Advance(16);
                return null;
            case 3:
                return Name(field, origin, w, what);
            default:
                return $"bad {what} type {type} (expected 0-3)";
        }
    }

    private static bool FormatGateway(byte type, ref WireReader r, StringBuilder sb) => type switch
    {
        0 => WireReader.Root(sb),
        1 => r.IPv4(sb),
        2 => r.IPv6(sb),
        3 => r.Name(sb),
        _ => false,
    };

    private static string? ParseIpsecKey(ReadOnlySpan<MasterFileToken> f, DnsName origin, WireBuilder w)
    {
        if (f.Length < 4)
        {
            return "IPSECKEY needs a precedence, a gateway type, an algorithm, a gateway and an optional public key";
        }

        if ((UInt8(f[0], "IPSECKEY precedence", w) ?? UInt8(f[1], "IPSECKEY gateway type", w) ?? UInt8(f[2], "IPSECKEY algorithm", w)) is { } error)
        {
            return error;
        }

        return Gateway(w.Written[^2], f[3], origin, w, "IPSECKEY gateway")
            ?? (f.Length > 4 ? PresentationText.WriteBase64(f[4..], w, "IPSECKEY public key") : null);
    }

    private static bool FormatIpsecKey(ReadOnlySpan<byte> wire, StringBuilder sb)
    {
        var r = new WireReader(wire);
        return wire.Length >= 3 && r.UInt8(sb) && r.UInt8(sb) && r.UInt8(sb) && FormatGateway(wire[1], ref r, sb) && (r.AtEnd || r.Base64Rest(sb));
    }

    private static string? ParseAmtRelay(ReadOnlySpan<MasterFileToken> f, DnsName origin, WireBuilder w)
    {
        if (f.Length is not (3 or 4))
        {
            return "AMTRELAY needs a precedence, a discovery bit (0 or 1), a type and a relay";
        }

        if (UInt8(f[0], "AMTRELAY precedence", w) is { } error)
        {
            return error;
        }

        if (f[1].Text is not ("0" or "1") || !byte.TryParse(f[2].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var type) || type > 3)
        {
            return $"bad AMTRELAY discovery bit or type '{f[1].Text} {f[2].Text}' (expected 0 or 1, then 0-3)";
        }

        w.WriteByte((byte)((f[1].Text == "1" ? 0x80 : 0) | type));
        return f.Length == 3
            ? type == 0 ? null : "AMTRELAY of type 1-3 needs a relay"
            : Gateway(type, f[3], origin, w, "AMTRELAY relay");
    }

    private static bool FormatAmtRelay(ReadOnlySpan<byte> wire, StringBuilder sb)
    {
        if (wire.Length < 2)
        {
            return false;
        }

        sb.Append(wire[0]).Append(' ').Append(wire[1] >> 7).Append(' ').Append(wire[1] & 0x7F);
        var r = new WireReader(wire[2..]);
        return FormatGateway((byte)(wire[1] & 0x7F), ref r, sb) && r.AtEnd;
    }

    private static string? ParseHip(ReadOnlySpan<MasterFileToken> f, DnsName origin, WireBuilder w)
    {
        if (f.Length < 3)
        {
            return "HIP needs an algorithm, a HIT, a public key and optional rendezvous servers";
        }

        // HIT length, algorithm, public key length, HIT, public key, servers (RFC 8005 section 5).
        var start = w.Length;
        w.WriteByte(0);
        if (UInt8(f[0], "HIP algorithm", w) is { } error)
        {
            return error;
        }

        w.WriteUInt16(0);
        var hitAt = w.Length;
        if ((PresentationText.WriteHex(f[1..2], w, "HIP HIT")) is { } hitError)
        {
            return hitError;
        }

        var hit = w.Length - hitAt;
        if (hit is 0 or > 255)
        {
            return "HIP HIT must be 1-255 octets";
        }

        var keyAt = w.Length;
        if (PresentationText.WriteBase64(f[2..3], w, "HIP public key") is { } keyError)
        {
            return keyError;
        }

        var key = w.Length - keyAt;
        w.SetByte(start, (byte)hit);
        w.SetByte(start + 2, (byte)(key >> 8));
        w.SetByte(start + 3, (byte)key);
        foreach (var server in f[3..])
        {
            if (Name(server, origin, w, "HIP rendezvous server") is { } serverError)
            {
                return serverError;
            }
        }

        return null;
    }

    private static bool FormatHip(ReadOnlySpan<byte> wire, StringBuilder sb)
    {
        if (wire.Length < 4)
        {
            return false;
        }

        int hit = wire[0];
        int key = BinaryPrimitives.ReadUInt16BigEndian(wire[2..]);
        if (hit == 0 || wire.Length < 4 + hit + key)
        {
            return false;
        }

        sb.Append(wire[1]).Append(' ').Append(Convert.ToHexString(wire.Slice(4, hit))).Append(' ').Append(Convert.ToBase64String(wire.Slice(4 + hit, key)));
        var r = new WireReader(wire[(4 + hit + key)..]);
        while (!r.AtEnd)
        {
            if (!r.Name(sb.Append(' ')))
            {
                return false;
            }
        }

        return true;
    }

    private static string? ParseDoa(ReadOnlySpan<MasterFileToken> f, WireBuilder w)
    {
        if (f.Length < 5)
        {
            return "DOA needs an enterprise, a type, a location, a media type and data (or '-')";
        }

        return UInt32(f[0], "DOA enterprise", w)
            ?? UInt32(f[1], "DOA type", w)
            ?? UInt8(f[2], "DOA location", w)
            ?? PresentationText.WriteCharacterString(f[3].Text, w)
            ?? (f.Length == 5 && f[4].Text == "-" ? null : PresentationText.WriteBase64(f[4..], w, "DOA data"));
    }
}
