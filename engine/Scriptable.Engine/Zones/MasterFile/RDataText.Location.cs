using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// LOC (RFC 1876): <c>d1 [m1 [s1]] N|S d2 [m2 [s2]] E|W alt[m] [size[m] [hp[m] [vp[m]]]]</c>, read and printed as
/// BIND does (sizes and precisions kept to their whole metres when at least one metre, as BIND keeps them).
/// </summary>
internal static partial class RDataText
{
    private const uint Equator = 0x80000000;
    private const uint AltitudeBase = 10_000_000;
    private static readonly ulong[] _powersOfTen = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

    private static string? ParseLoc(ReadOnlySpan<MasterFileToken> f, WireBuilder w)
    {
        const string Needs = "LOC needs a latitude (degrees [minutes [seconds]] N or S), a longitude (... E or W) and an altitude, then optional size, horizontal and vertical precision";
        var i = 0;
        if (!TryAngle(f, ref i, 90, 'N', 'S', out var latitude) || !TryAngle(f, ref i, 180, 'E', 'W', out var longitude) || i >= f.Length)
        {
            return Needs;
        }

        if (!TryCentimetres(f[i++].Text, allowNegative: true, out var altitude) || altitude < -10_000_000 || altitude > 4_284_967_295)
        {
            return $"bad LOC altitude '{f[i - 1].Text}' (expected -100000.00 to 42849672.95 metres)";
        }

        // Size 1 m, horizontal precision 10 km, vertical 10 m unless given (RFC 1876 section 3).
        Span<byte> precisions = [0x12, 0x16, 0x13];
        ReadOnlySpan<string> names = ["size", "horizontal precision", "vertical precision"];
        for (var p = 0; p < 3 && i < f.Length; p++, i++)
        {
            if (!TryPrecision(f[i].Text, out precisions[p]))
            {
                return $"bad LOC {names[p]} '{f[i].Text}' (expected 0 to 90000000.00 metres)";
            }
        }

        if (i != f.Length)
        {
            return Needs;
        }

        w.WriteByte(0);
        w.WriteBytes(precisions);
        w.WriteUInt32(latitude);
        w.WriteUInt32(longitude);
        w.WriteUInt32((uint)(altitude + AltitudeBase));
        return null;
    }

    /// <summary>Degrees, then optional minutes and seconds, then the hemisphere letter: thousandths of a second from the equator or meridian, offset by 2^31.</summary>
    private static bool TryAngle(ReadOnlySpan<MasterFileToken> f, ref int i, int maxDegrees, char positive, char negative, out uint value)
    {
        value = 0;
        long thousandths = 0;
        ReadOnlySpan<long> units = [3_600_000, 60_000];
        for (var part = 0; part < 3; part++)
        {
            if (i >= f.Length)
            {
                return false;
            }

            var text = f[i].Text;
            if (part > 0 && text.Length == 1 && (char.ToUpperInvariant(text[0]) == positive || char.ToUpperInvariant(text[0]) == negative))
            {
                break;
            }

            if (part < 2)
            {
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var whole) || whole > (part == 0 ? maxDegrees : 59))
                {
                    return false;
                }

                thousandths += whole * units[part];
            }
            else
            {
                if (!TryDecimal(text, 3, out var seconds) || seconds > 59_999)
                {
                    return false;
                }

                thousandths += seconds;
            }

            i++;
        }

        if (i >= f.Length || f[i].Text.Length != 1)
        {
            return false;
        }

        var hemisphere = char.ToUpperInvariant(f[i++].Text[0]);
        if ((hemisphere != positive && hemisphere != negative) || thousandths > maxDegrees * 3_600_000L)
        {
            return false;
        }

        value = hemisphere == positive ? (uint)(Equator + thousandths) : (uint)(Equator - thousandths);
        return true;
    }

    /// <summary>Metres with up to two decimals and an optional <c>m</c>, in centimetres.</summary>
    private static bool TryCentimetres(string text, bool allowNegative, out long centimetres)
    {
        var span = text.AsSpan();
        if (span.EndsWith("m") || span.EndsWith("M"))
        {
            span = span[..^1];
        }

        var negative = allowNegative && span.StartsWith("-");
        if (negative)
        {
            span = span[1..];
        }

        var ok = TryDecimal(span, 2, out centimetres);
        centimetres = negative ? -centimetres : centimetres;
        return ok;
    }

    /// <summary>A size or precision as BIND encodes it: a digit and a power of ten of centimetres, from whole metres when there is at least one.</summary>
    private static bool TryPrecision(string text, out byte value)
    {
        value = 0;
        if (!TryCentimetres(text, allowNegative: false, out var centimetres) || centimetres > 9_000_000_000)
        {
            return false;
        }

        var metres = centimetres / 100;
        int mantissa, exponent;
        if (metres > 0)
        {
            for (exponent = 0; exponent < 7 && (ulong)metres >= _powersOfTen[exponent + 1]; exponent++)
            {
            }

            mantissa = (int)((ulong)metres / _powersOfTen[exponent]);
            exponent += 2;
        }
        else if (centimetres >= 10)
        {
            mantissa = (int)(centimetres / 10);
            exponent = 1;
        }
        else
        {
            mantissa = (int)centimetres;
            exponent = 0;
        }

        value = (byte)((mantissa << 4) | exponent);
        return mantissa < 10;
    }

    /// <summary>A non-negative decimal with at most <paramref name="decimals"/> decimals, scaled to an integer.</summary>
    private static bool TryDecimal(ReadOnlySpan<char> text, int decimals, out long scaled)
    {
        scaled = 0;
        var dot = text.IndexOf('.');
        var whole = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? [] : text[(dot + 1)..];
        if (whole.Length is 0 or > 10 || fraction.Length > decimals || (dot >= 0 && fraction.Length == 0)
            || !long.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out var units))
        {
            return false;
        }

        long part = 0;
        for (var d = 0; d < decimals; d++)
        {
            var digit = d < fraction.Length ? fraction[d] - '0' : 0;
            if (digit is < 0 or > 9)
            {
                return false;
            }

            part = (part * 10) + digit;
        }

        scaled = (units * (long)_powersOfTen[decimals]) + part;
        return true;
    }

    private static bool FormatLoc(ReadOnlySpan<byte> wire, StringBuilder sb)
    {
        if (wire.Length != 16 || wire[0] != 0)
        {
            return false;
        }

        for (var p = 1; p <= 3; p++)
        {
            if ((wire[p] >> 4) > 9 || (wire[p] & 0x0F) > 9)
            {
                return false;
            }
        }

        AppendAngle(sb, BinaryPrimitives.ReadUInt32BigEndian(wire[4..]), 'N', 'S');
        sb.Append(' ');
        AppendAngle(sb, BinaryPrimitives.ReadUInt32BigEndian(wire[8..]), 'E', 'W');
        var altitude = (long)BinaryPrimitives.ReadUInt32BigEndian(wire[12..]) - AltitudeBase;
        sb.Append(' ').Append(altitude < 0 ? "-" : string.Empty).Append(Math.Abs(altitude) / 100).Append('.')
            .Append((Math.Abs(altitude) % 100).ToString("00", CultureInfo.InvariantCulture)).Append('m');
        for (var p = 1; p <= 3; p++)
        {
            var mantissa = (ulong)(wire[p] >> 4);
            var exponent = wire[p] & 0x0F;
            sb.Append(' ');
            if (exponent > 1)
            {
                sb.Append(mantissa * _powersOfTen[exponent - 2]).Append('m');
            }
            else
            {
                sb.Append("0.").Append((mantissa * _powersOfTen[exponent]).ToString("00", CultureInfo.InvariantCulture)).Append('m');
            }
        }

        return true;
    }

    private static void AppendAngle(StringBuilder sb, uint value, char positive, char negative)
    {
        var isPositive = value > Equator;
        var thousandths = isPositive ? value - Equator : Equator - value;
        sb.Append(thousandths / 3_600_000).Append(' ').Append(thousandths / 60_000 % 60).Append(' ')
            .Append(thousandths / 1000 % 60).Append('.').Append((thousandths % 1000).ToString("000", CultureInfo.InvariantCulture))
            .Append(' ').Append(isPositive ? positive : negative);
    }
}
