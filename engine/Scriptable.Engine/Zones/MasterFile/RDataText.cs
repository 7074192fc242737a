using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// RDATA in presentation format, per type: parsing into uncompressed wire format here, printing in
/// <c>RDataText.Format.cs</c>. Any type also accepts the RFC 3597 generic form <c>\# length hex</c>.
/// </summary>
internal static partial class RDataText
{
    private static readonly FrozenDictionary<string, byte> _algorithms = new Dictionary<string, byte>(StringComparer.OrdinalIgnoreCase)
    {
        // DNSSEC algorithm mnemonics (IANA registry) that BIND accepts in DS and DNSKEY.
        ["RSAMD5"] = 1, ["DH"] = 2, ["DSA"] = 3, ["RSASHA1"] = 5, ["DSA-NSEC3-SHA1"] = 6, ["NSEC3DSA"] = 6,
        ["RSASHA1-NSEC3-SHA1"] = 7, ["NSEC3RSASHA1"] = 7, ["RSASHA256"] = 8, ["RSASHA512"] = 10,
        ["ECC-GOST"] = 12, ["ECDSAP256SHA256"] = 13, ["ECDSAP384SHA384"] = 14, ["ED25519"] = 15, ["ED448"] = 16,
        ["INDIRECT"] = 252, ["PRIVATEDNS"] = 253, ["PRIVATEOID"] = 254,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    // Scratch space reused by every parse on a thread; RData.TryFromWire copies what it keeps.
    [ThreadStatic]
    private static WireBuilder? _wire;

    [ThreadStatic]
    private static List<MasterFileToken>? _tokens;

    /// <summary>Parses RDATA written as one line of text, such as <c>10 mail.example.org.</c> for MX.</summary>
    public static bool TryParse(ushort type, string text, DnsName origin, [NotNullWhen(true)] out RData? rdata, [NotNullWhen(false)] out string? error)
    {
        var tokens = _tokens ??= new List<MasterFileToken>(16);
        if (!MasterFileLexer.TryTokenize(text, tokens, out var lexError))
        {
            rdata = null;
            error = lexError ?? "bad RDATA";
            return false;
        }

        return TryParse(type, CollectionsMarshal.AsSpan(tokens), origin, out rdata, out error);
    }

    /// <summary>
    /// Parses the RDATA fields of one record; names are relative to <paramref name="origin"/>. The error
    /// names what was expected, e.g. <c>MX needs a preference and an exchange</c>.
    /// </summary>
    public static bool TryParse(ushort type, ReadOnlySpan<MasterFileToken> fields, DnsName origin, [NotNullWhen(true)] out RData? rdata, [NotNullWhen(false)] out string? error)
    {
        rdata = null;
        var wire = _wire ??= new WireBuilder();
        wire.Clear();
        error = fields.Length > 0 && fields[0].IsGenericMarker
            ? ParseGeneric(fields[1..], wire)
            : ParseTyped(type, fields, origin, wire);
        if (error is not null)
        {
            return false;
        }

        if (!RData.TryFromWire(type, wire.Written, out rdata, out var layoutError))
        {
            error = $"{RecordType.ToText(type)} RDATA is malformed: {layoutError}";
            return false;
        }

        return true;
    }

    private static string? ParseTyped(ushort type, ReadOnlySpan<MasterFileToken> f, DnsName origin, WireBuilder w)
    {
        if (RDataShape.For(type) is { } shape)
        {
            return ParseShape(type, shape, f, origin, w);
        }

        switch (type)
        {
            case RecordType.A:
                if (f.Length != 1)
                {
                    return "A needs one IPv4 address";
                }

                if (!PresentationText.TryParseIPv4(f[0].Text, w.GetSpan(4)))
                {
                    return $"bad IPv4 address '{f[0].Text}'";
                }

                w.Advance(4);
                return null;
            case RecordType.AAAA:
                if (f.Length != 1)
                {
                    return "AAAA needs one IPv6 address";
                }

                if (!PresentationText.TryParseIPv6(f[0].Text, w.GetSpan(16)))
                {
                    return $"bad IPv6 address '{f[0].Text}'";
                }

                w.Advance(16);
                return null;
            case RecordType.CAA:
                return f.Length != 3 ? "CAA needs flags, a tag and a value" : ParseCaa(f, w);
            case RecordType.SOA:
                return f.Length != 7
                    ? "SOA needs a primary name server, a mailbox, a serial, refresh, retry, expire and minimum"
                    : ParseSoa(f, origin, w);
            default:
                return TryParseSpecial(type, f, origin, w, out var error)
                    ? error
                    : $"{RecordType.ToText(type)} has no text form here; write its RDATA as RFC 3597 '\\# <length> <hex>'";
        }
    }

    private static string? ParseSoa(ReadOnlySpan<MasterFileToken> f, DnsName origin, WireBuilder w)
    {
        if ((Name(f[0], origin, w, "SOA primary name server") ?? Name(f[1], origin, w, "SOA mailbox")) is { } error)
        {
            return error;
        }

        if (UInt32(f[2], "SOA serial", w) is { } serialError)
        {
            return serialError;
        }

        ReadOnlySpan<string> timers = ["refresh", "retry", "expire", "minimum"];
        for (var i = 0; i < timers.Length; i++)
        {
            if (!TtlText.TryParse(f[3 + i].Text, out var seconds))
            {
                return $"bad SOA {timers[i]} '{f[3 + i].Text}' (expected seconds or a TTL such as 1h)";
            }

            w.WriteUInt32(seconds);
        }

        return null;
    }

    private static string? ParseCaa(ReadOnlySpan<MasterFileToken> f, WireBuilder w)
    {
        if (UInt8(f[0], "CAA flags", w) is { } error)
        {
            return error;
        }

        var tag = f[1].Text;
        if (tag.Length is 0 or > 255 || !IsAsciiLettersAndDigits(tag))
        {
            return $"bad CAA tag '{tag}' (expected letters and digits)";
        }

        w.WriteByte((byte)tag.Length);
        foreach (var c in tag)
        {
            w.WriteByte((byte)c);
        }

        // The value takes the rest of the RDATA, with no length octet (RFC 8659 section 4.1).
        return PresentationText.WriteText(f[2].Text, w);
    }

    private static string? ParseGeneric(ReadOnlySpan<MasterFileToken> f, WireBuilder w)
    {
        if (f.Length == 0)
        {
            return "RFC 3597 RDATA needs '\\# <length> <hex>'";
        }

        if (!ushort.TryParse(f[0].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return $"bad \\# length '{f[0].Text}' (expected 0-65535)";
        }

        if (PresentationText.WriteHex(f[1..], w, "\\# data") is { } error)
        {
            return error;
        }

        return w.Length == length ? null : $"\\# length {length} does not match the {w.Length} octets of data";
    }

    private static string? Name(MasterFileToken field, DnsName origin, WireBuilder w, string what)
    {
        if (!DnsName.TryParse(field.Text, origin, out var name, out var error))
        {
            return $"bad {what}: {error}";
        }

        w.WriteName(name);
        return null;
    }

    private static string? UInt8(MasterFileToken field, string what, WireBuilder w)
    {
        if (!byte.TryParse(field.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return $"bad {what} '{field.Text}' (expected 0-255)";
        }

        w.WriteByte(value);
        return null;
    }

    private static string? UInt16(MasterFileToken field, string what, WireBuilder w)
    {
        if (!ushort.TryParse(field.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return $"bad {what} '{field.Text}' (expected 0-65535)";
        }

        w.WriteUInt16(value);
        return null;
    }

    private static string? UInt32(MasterFileToken field, string what, WireBuilder w)
    {
        if (!uint.TryParse(field.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return $"bad {what} '{field.Text}' (expected 0-4294967295)";
        }

        w.WriteUInt32(value);
        return null;
    }

    private static string? Algorithm(MasterFileToken field, string what, WireBuilder w)
    {
        if (byte.TryParse(field.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || _algorithms.TryGetValue(field.Text, out value))
        {
            w.WriteByte(value);
            return null;
        }

        return $"bad {what} '{field.Text}' (expected 0-255 or a mnemonic such as RSASHA256)";
    }

    private static bool IsAsciiLettersAndDigits(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
