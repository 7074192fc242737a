using System.Globalization;
using System.Text;

namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// BIND's <c>$GENERATE</c> range (<c>start-stop[/step]</c>) and templates: <c>$</c> is the iterator,
/// <c>${offset[,width[,base]]}</c> formats it (base d, o, x, X, or n/N for reversed nibbles as in ip6.arpa),
/// <c>$$</c> and <c>\$</c> are a literal dollar.
/// </summary>
internal static class GenerateTemplate
{
    /// <summary>Most records one <c>$GENERATE</c> may produce, so that a typo cannot exhaust memory.</summary>
    public const int MaxRecords = 65536;

    /// <summary>Parses <c>start-stop[/step]</c>; stop must not be below start and step must be positive.</summary>
    public static bool TryParseRange(string text, out uint start, out uint stop, out uint step)
    {
        start = stop = step = 0;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return false;
        }

        var slash = text.IndexOf('/', dash);
        var stopText = slash < 0 ? text.AsSpan(dash + 1) : text.AsSpan(dash + 1, slash - dash - 1);
        step = 1;
        return uint.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out start)
            && uint.TryParse(stopText, NumberStyles.None, CultureInfo.InvariantCulture, out stop)
            && (slash < 0 || uint.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out step))
            && stop >= start
            && step > 0;
    }

    /// <summary>Appends <paramref name="template"/> with every iterator reference replaced by <paramref name="value"/>.</summary>
    public static string? Expand(string template, long value, StringBuilder output)
    {
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '\\')
            {
                // Escapes pass through for the name or RDATA parser; "\$" therefore stays a literal dollar.
                output.Append(c);
                if (i + 1 < template.Length)
                {
                    output.Append(template[++i]);
                }

                continue;
            }

            if (c != '$')
            {
                output.Append(c);
                continue;
            }

            if (i + 1 < template.Length && template[i + 1] == '$')
            {
                output.Append('$');
                i++;
                continue;
            }

            long offset = 0;
            var width = 0;
            var format = 'd';
            if (i + 1 < template.Length && template[i + 1] == '{')
            {
                var close = template.IndexOf('}', i + 2);
                if (close < 0 || !TryParseModifier(template.AsSpan(i + 2, close - i - 2), out offset, out width, out format))
                {
                    return $"bad $GENERATE modifier in '{template}' (expected ${{offset[,width[,base]]}} with base d, o, x, X, n or N)";
                }

                i = close;
            }

            var number = value + offset;
            if (number < 0)
            {
                return $"$GENERATE offset in '{template}' makes the value negative";
            }

            AppendNumber(output, number, width, format);
        }

        return null;
    }

    private static bool TryParseModifier(ReadOnlySpan<char> text, out long offset, out int width, out char format)
    {
        offset = 0;
        width = 0;
        format = 'd';
        var comma = text.IndexOf(',');
        var offsetText = comma < 0 ? text : text[..comma];
        if (!long.TryParse(offsetText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out offset)
            || offset is < int.MinValue or > int.MaxValue)
        {
            return false;
        }

        if (comma < 0)
        {
            return true;
        }

        text = text[(comma + 1)..];
        comma = text.IndexOf(',');
        var widthText = comma < 0 ? text : text[..comma];
        if (!int.TryParse(widthText, NumberStyles.None, CultureInfo.InvariantCulture, out width) || width > 255)
        {
            return false;
        }

        if (comma < 0)
        {
            return true;
        }

        text = text[(comma + 1)..];
        if (text.Length != 1 || !"doxXnN".Contains(text[0], StringComparison.Ordinal))
        {
            return false;
        }

        format = text[0];
        return true;
    }

    private static void AppendNumber(StringBuilder output, long value, int width, char format)
    {
        switch (format)
        {
            case 'n' or 'N':
                AppendNibbles(output, value, width, format == 'N');
                return;
            case 'o':
                output.Append(Convert.ToString(value, 8).PadLeft(width, '0'));
                return;
            case 'x':
                output.Append(value.ToString("x", CultureInfo.InvariantCulture).PadLeft(width, '0'));
                return;
            case 'X':
                output.Append(value.ToString("X", CultureInfo.InvariantCulture).PadLeft(width, '0'));
                return;
            default:
                output.Append(value.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'));
                return;
        }
    }

    /// <summary>
    /// Hex nibbles, least significant first, separated by dots; the width counts output characters
    /// (dots included) and pads with zero nibbles, as BIND does.
    /// </summary>
    private static void AppendNibbles(StringBuilder output, long value, int width, bool upper)
    {
        var digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        do
        {
            output.Append(digits[(int)(value & 0xF)]);
            value >>= 4;
            if (width > 0)
            {
                width--;
            }

            if (width > 0 || value != 0)
            {
                output.Append('.');
                if (width > 0)
                {
                    width--;
                }
            }
        }
        while (value != 0 || width > 0);
    }
}
