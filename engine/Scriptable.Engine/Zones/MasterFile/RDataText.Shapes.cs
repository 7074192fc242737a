using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>Parsing and printing the types that are a plain sequence of fields (<see cref="RDataShape"/>).</summary>
internal static partial class RDataText
{
    private static readonly FrozenDictionary<string, ushort> _certificateTypes = new Dictionary<string, ushort>(StringComparer.OrdinalIgnoreCase)
    {
        // RFC 4398 section 2.1.
        ["PKIX"] = 1, ["SPKI"] = 2, ["PGP"] = 3, ["IPKIX"] = 4, ["ISPKI"] = 5, ["IPGP"] = 6, ["ACPKIX"] = 7, ["IACPKIX"] = 8,
        ["URI"] = 253, ["OID"] = 254,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<ushort, string> _certificateTypeNames = _certificateTypes.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);

    private static string? ParseShape(ushort type, RDataShape shape, ReadOnlySpan<MasterFileToken> f, DnsName origin, WireBuilder w)
    {
        if (!shape.Fits(f.Length))
        {
            return $"{RecordType.ToText(type)} needs {shape.Needs}";
        }

        for (var i = 0; i < shape.Fields.Length; i++)
        {
            var field = shape.Fields[i];
            var error = field.Kind.TakesRest() ? ParseRest(field, f[i..], w) : ParseField(field, f[i], origin, w);
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static string? ParseField(RDataField field, MasterFileToken token, DnsName origin, WireBuilder w)
    {
        var text = token.Text;
        switch (field.Kind)
        {
            case RDataFieldKind.UInt8:
                return UInt8(token, field.Name, w);
            case RDataFieldKind.Algorithm:
                return Algorithm(token, field.Name, w);
            case RDataFieldKind.UInt16:
                return UInt16(token, field.Name, w);
            case RDataFieldKind.UInt32:
                return UInt32(token, field.Name, w);
            case RDataFieldKind.Ttl:
                if (!TtlText.TryParse(text, out var ttl))
                {
                    return $"bad {field.Name} '{text}' (expected seconds or a TTL such as 1h)";
                }

                w.WriteUInt32(ttl);
                return null;
            case RDataFieldKind.Time:
                if (!TryParseTime(text, out var time))
                {
                    return $"bad {field.Name} '{text}' (expected YYYYMMDDHHmmSS or seconds since 1970)";
                }

                w.WriteUInt32(time);
                return null;
            case RDataFieldKind.Type:
                if (!RecordType.TryParse(text, out var covered))
                {
                    return $"bad {field.Name} '{text}' (expected a type such as A or TYPE65534)";
                }

                w.WriteUInt16(covered);
                return null;
            case RDataFieldKind.CertificateType:
                if (!ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var certificate) && !_certificateTypes.TryGetValue(text, out certificate))
                {
                    return $"bad {field.Name} '{text}' (expected 0-65535 or a mnemonic such as PKIX)";
                }

                w.WriteUInt16(certificate);
                return null;
            case RDataFieldKind.Name:
                return Name(token, origin, w, field.Name);
            case RDataFieldKind.CharacterString:
                return PresentationText.WriteCharacterString(text, w);
            case RDataFieldKind.Text:
                return text.Length == 0 ? $"{field.Name} is empty" : PresentationText.WriteText(text, w);
            case RDataFieldKind.Salt or RDataFieldKind.Base32Hex:
            {
                // A length octet, then the octets: written after it, then counted.
                var at = w.Length;
                w.WriteByte(0);
                var error = field.Kind == RDataFieldKind.Base32Hex
                    ? PresentationText.WriteBase32Hex(text, w, field.Name)
                    : text == "-" ? null : PresentationText.WriteHex([token], w, field.Name);
                if (error is null && w.Length - at - 1 > byte.MaxValue)
                {
                    error = $"{field.Name} is longer than 255 octets";
                }

                w.SetByte(at, (byte)(w.Length - at - 1));
                return error;
            }
            case RDataFieldKind.IPv4:
                if (!PresentationText.TryParseIPv4(text, w.GetSpan(4)))
                {
                    return $"bad {field.Name} '{text}' (expected an IPv4 address)";
                }

                w.Advance(4);
                return null;
            case RDataFieldKind.Eui48 or RDataFieldKind.Eui64:
                return WriteGroups(text, field.Kind == RDataFieldKind.Eui48 ? 6 : 8, 2, '-', w)
                    ? null
                    : $"bad {field.Name} '{text}' (expected {(field.Kind == RDataFieldKind.Eui48 ? "six" : "eight")} pairs of hex digits joined by '-')";
            case RDataFieldKind.Locator64:
                return WriteGroups(text, 4, 4, ':', w) ? null : $"bad {field.Name} '{text}' (expected four groups of four hex digits joined by ':')";
            default:
                throw new InvalidOperationException($"field kind {field.Kind} takes the rest of the entry");
        }
    }

    private static string? ParseRest(RDataField field, ReadOnlySpan<MasterFileToken> f, WireBuilder w)
    {
        switch (field.Kind)
        {
            case RDataFieldKind.CharacterStrings:
                foreach (var token in f)
                {
                    if (PresentationText.WriteCharacterString(token.Text, w) is { } error)
                    {
                        return error;
                    }
                }

                return null;
            case RDataFieldKind.Hex:
                return PresentationText.WriteHex(f, w, field.Name);
            case RDataFieldKind.Base64 or RDataFieldKind.OptionalBase64:
                return f.Length == 0 ? null : PresentationText.WriteBase64(f, w, field.Name);
            case RDataFieldKind.Types:
                return TypeBitmap.Write(f, w, field.Name);
            default:
                throw new InvalidOperationException($"field kind {field.Kind} is one field");
        }
    }

    /// <summary>Hex digits in <paramref name="groups"/> groups of <paramref name="digits"/> joined by <paramref name="separator"/>.</summary>
    private static bool WriteGroups(string text, int groups, int digits, char separator, WireBuilder w)
    {
        if (text.Length != (groups * (digits + 1)) - 1)
        {
            return false;
        }

        var bytes = w.GetSpan(groups * digits / 2);
        var written = 0;
        for (var g = 0; g < groups; g++)
        {
            var start = g * (digits + 1);
            if (g > 0 && text[start - 1] != separator)
            {
                return false;
            }

            for (var d = 0; d < digits; d += 2)
            {
                if (!byte.TryParse(text.AsSpan(start + d, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[written++]))
                {
                    return false;
                }
            }
        }

        w.Advance(written);
        return true;
    }

    /// <summary>An RRSIG time: 14 digits as YYYYMMDDHHmmSS in UTC (taken modulo 2^32, RFC 4034 section 3.2), or a number of seconds.</summary>
    private static bool TryParseTime(string text, out uint time)
    {
        time = 0;
        if (text.Length == 14 && DateTime.TryParseExact(text, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
        {
            time = (uint)((ulong)(at - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond);
            return true;
        }

        return text.Length < 14 && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out time);
    }

    /// <summary>
    /// An RRSIG time as YYYYMMDDHHmmSS: the instant nearest to now (serial arithmetic, RFC 1982) that the 32-bit
    /// value stands for, as BIND prints it.
    /// </summary>
    private static string FormatTime(uint value)
    {
        var now = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var seconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + (int)(value - now);
        return DateTime.UnixEpoch.AddSeconds(seconds).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
    }

    private static bool TryFormatShape(RDataShape shape, ReadOnlySpan<byte> wire, StringBuilder sb)
    {
        var r = new WireReader(wire);
        foreach (var field in shape.Fields)
        {
            var ok = field.Kind switch
            {
                RDataFieldKind.UInt8 or RDataFieldKind.Algorithm => r.UInt8(sb),
                RDataFieldKind.UInt16 => r.UInt16(sb),
                RDataFieldKind.UInt32 or RDataFieldKind.Ttl => r.UInt32(sb),
                RDataFieldKind.Time => r.Time(sb),
                RDataFieldKind.Type => r.Type(sb),
                RDataFieldKind.CertificateType => r.CertificateType(sb),
                RDataFieldKind.Name => r.Name(sb),
                RDataFieldKind.CharacterString => r.CharacterString(sb),
                RDataFieldKind.CharacterStrings => r.CharacterStrings(sb),
                RDataFieldKind.Hex => r.HexRest(sb),
                RDataFieldKind.Base64 => r.Base64Rest(sb),
                RDataFieldKind.OptionalBase64 => r.AtEnd || r.Base64Rest(sb),
                RDataFieldKind.Text => !r.AtEnd && r.QuotedRest(sb),
                RDataFieldKind.Salt => r.Salt(sb),
                RDataFieldKind.Base32Hex => r.Base32Hex(sb),
                RDataFieldKind.Types => r.Types(sb),
                RDataFieldKind.IPv4 => r.IPv4(sb),
                RDataFieldKind.Eui48 => r.Groups(sb, 6, 2, '-'),
                RDataFieldKind.Eui64 => r.Groups(sb, 8, 2, '-'),
                RDataFieldKind.Locator64 => r.Groups(sb, 4, 4, ':'),
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return r.AtEnd;
    }

    private static string? CertificateTypeName(ushort value) => _certificateTypeNames.GetValueOrDefault(value);
}
