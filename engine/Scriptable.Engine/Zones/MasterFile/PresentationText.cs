using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// Conversions shared by the RDATA formats: escaped text and character-strings (RFC 1035 section 5.1),
/// hex and base64 that may span fields, and addresses.
/// </summary>
internal static class PresentationText
{
    /// <summary>Characters per space-separated chunk of long hex or base64, as dig prints them.</summary>
    private const int ChunkLength = 56;

    /// <summary>
    /// Writes the octets of escaped text: <c>\DDD</c> is a decimal octet, <c>\X</c> is X, and characters
    /// beyond ASCII are written as UTF-8.
    /// </summary>
    public static string? WriteText(string raw, WireBuilder wire)
    {
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '\\')
            {
                if (i + 1 >= raw.Length)
                {
                    return $"dangling escape in '{raw}'";
                }

                var next = raw[i + 1];
                if (char.IsAsciiDigit(next))
                {
                    if (i + 3 >= raw.Length || !char.IsAsciiDigit(raw[i + 2]) || !char.IsAsciiDigit(raw[i + 3]))
                    {
                        return $"bad \\DDD escape in '{raw}'";
                    }

                    var value = ((next - '0') * 100) + ((raw[i + 2] - '0') * 10) + (raw[i + 3] - '0');
                    if (value > 255)
                    {
                        return $"bad \\DDD escape in '{raw}'";
                    }

                    wire.WriteByte((byte)value);
                    i += 3;
                    continue;
                }

                c = next;
                i++;
            }

            if (c < 0x80)
            {
                wire.WriteByte((byte)c);
                continue;
            }

            var length = char.IsHighSurrogate(c) && i + 1 < raw.Length && char.IsLowSurrogate(raw[i + 1]) ? 2 : 1;
            wire.Advance(Encoding.UTF8.GetBytes(raw.AsSpan(i, length), wire.GetSpan(4)));
            i += length - 1;
        }

        return null;
    }

    /// <summary>Writes one length-prefixed character-string; fails beyond 255 octets.</summary>
    public static string? WriteCharacterString(string raw, WireBuilder wire)
    {
        var lengthAt = wire.Length;
        wire.WriteByte(0);
        if (WriteText(raw, wire) is { } error)
        {
            return error;
        }

        var length = wire.Length - lengthAt - 1;
        if (length > 255)
        {
            return $"character-string of {length} octets is longer than 255: '{Shorten(raw)}'";
        }

        wire.SetByte(lengthAt, (byte)length);
        return null;
    }

    /// <summary>Writes hex digits that may be split over several fields.</summary>
    public static string? WriteHex(ReadOnlySpan<MasterFileToken> fields, WireBuilder wire, string what)
    {
        var high = -1;
        foreach (var field in fields)
        {
            foreach (var c in field.Text)
            {
                var nibble = HexValue(c);
                if (nibble < 0)
                {
                    return $"bad hex in {what}: '{Shorten(field.Text)}'";
                }

                if (high < 0)
                {
                    high = nibble;
                }
                else
                {
                    wire.WriteByte((byte)((high << 4) | nibble));
                    high = -1;
                }
            }
        }

        return high < 0 ? null : $"{what} has an odd number of hex digits";
    }

    /// <summary>Writes base64 that may be split over several fields.</summary>
    public static string? WriteBase64(ReadOnlySpan<MasterFileToken> fields, WireBuilder wire, string what)
    {
        string text;
        if (fields.Length == 1)
        {
            text = fields[0].Text;
        }
        else
        {
            var sb = new StringBuilder();
            foreach (var field in fields)
            {
                sb.Append(field.Text);
            }

            text = sb.ToString();
        }

        if (!Convert.TryFromBase64String(text, wire.GetSpan((text.Length / 4 * 3) + 3), out var written))
        {
            return $"bad base64 in {what}: '{Shorten(text)}'";
        }

        wire.Advance(written);
        return null;
    }

    /// <summary>Writes base32hex (RFC 4648 section 7, no padding, either case), as NSEC3 names hashes.</summary>
    public static string? WriteBase32Hex(string text, WireBuilder wire, string what)
    {
        var buffer = 0;
        var bits = 0;
        foreach (var c in text)
        {
            var value = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'A' and <= 'V' => c - 'A' + 10,
                >= 'a' and <= 'v' => c - 'a' + 10,
                _ => -1,
            };
            if (value < 0)
            {
                return $"bad base32hex in {what}: '{Shorten(text)}'";
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                wire.WriteByte((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }

        // Leftover bits are padding and must be zero (RFC 4648 section 3.5).
        return buffer == 0 && bits < 5 ? null : $"bad base32hex in {what}: '{Shorten(text)}' (its length does not end on an octet)";
    }

    /// <summary>Appends octets as upper-case base32hex without padding.</summary>
    public static void AppendBase32Hex(StringBuilder sb, ReadOnlySpan<byte> bytes)
    {
        const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
        var buffer = 0;
        var bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                sb.Append(Alphabet[(buffer >> bits) & 31]);
            }

            buffer &= (1 << bits) - 1;
        }

        if (bits > 0)
        {
            sb.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }
    }

    /// <summary>Parses a dotted-quad IPv4 address strictly: four decimal parts, no leading zeros.</summary>
    public static bool TryParseIPv4(string text, Span<byte> address)
    {
        var part = 0;
        var value = 0;
        var digits = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                if (digits > 0 && value == 0)
                {
                    return false;
                }

                value = (value * 10) + (c - '0');
                digits++;
                if (value > 255)
                {
                    return false;
                }
            }
            else if (c == '.' && digits > 0 && part < 3)
            {
                address[part++] = (byte)value;
                value = 0;
                digits = 0;
            }
            else
            {
                return false;
            }
        }

        if (digits == 0 || part != 3)
        {
            return false;
        }

        address[3] = (byte)value;
        return true;
    }

    /// <summary>Parses any textual IPv6 form (RFC 4291 section 2.2), without zone index or brackets.</summary>
    public static bool TryParseIPv6(string text, Span<byte> address) =>
        text.AsSpan().IndexOfAny('%', '[', '/') < 0
        && text.Contains(':', StringComparison.Ordinal)
        && IPAddress.TryParse(text, out var ip)
        && ip.AddressFamily == AddressFamily.InterNetworkV6
        && ip.TryWriteBytes(address, out _);

    /// <summary>Appends octets as a quoted string, escaping <c>"</c> and <c>\</c> and writing unprintables as <c>\DDD</c>.</summary>
    public static void AppendQuoted(StringBuilder sb, ReadOnlySpan<byte> bytes)
    {
        sb.Append('"');
        foreach (var b in bytes)
        {
            if (b is (byte)'"' or (byte)'\\')
            {
                sb.Append('\\').Append((char)b);
            }
            else if (b < 0x20 || b >= 0x7F)
            {
                sb.Append('\\').Append((char)('0' + (b / 100))).Append((char)('0' + (b / 10 % 10))).Append((char)('0' + (b % 10)));
            }
            else
            {
                sb.Append((char)b);
            }
        }

        sb.Append('"');
    }

    /// <summary>Appends octets as upper-case hex in space-separated chunks.</summary>
    public static void AppendHex(StringBuilder sb, ReadOnlySpan<byte> bytes) => AppendChunked(sb, Convert.ToHexString(bytes));

    /// <summary>Appends octets as base64 in space-separated chunks.</summary>
    public static void AppendBase64(StringBuilder sb, ReadOnlySpan<byte> bytes) => AppendChunked(sb, Convert.ToBase64String(bytes));

    /// <summary>Cuts long text for an error message.</summary>
    public static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");

    private static void AppendChunked(StringBuilder sb, string text)
    {
        for (var i = 0; i < text.Length; i += ChunkLength)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }

            sb.Append(text, i, Math.Min(ChunkLength, text.Length - i));
        }
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
