namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// TTLs and SOA timers in BIND's text form: plain seconds (<c>300</c>) or number-unit pairs with units
/// w, d, h, m, s in either case, combinable (<c>1d2h30m</c>).
/// </summary>
internal static class TtlText
{
    /// <summary>Largest TTL a record may carry (RFC 2181 section 8).</summary>
    public const uint MaxTtl = int.MaxValue;

    /// <summary>Parses a TTL or timer into seconds; fails on bad syntax or a value above 4294967295.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out uint seconds)
    {
        seconds = 0;
        if (text.IsEmpty)
        {
            return false;
        }

        ulong total = 0;
        ulong number = 0;
        var digits = 0;
        var sawUnit = false;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                number = (number * 10) + (uint)(c - '0');
                digits++;
                if (number > uint.MaxValue)
                {
                    return false;
                }

                continue;
            }

            if (digits == 0)
            {
                return false;
            }

            ulong unit = c switch
            {
                'w' or 'W' => 604800,
                'd' or 'D' => 86400,
                'h' or 'H' => 3600,
                'm' or 'M' => 60,
                's' or 'S' => 1,
                _ => 0,
            };
            if (unit == 0)
            {
                return false;
            }

            total += number * unit;
            if (total > uint.MaxValue)
            {
                return false;
            }

            number = 0;
            digits = 0;
            sawUnit = true;
        }

        if (digits > 0)
        {
            // As in BIND, a bare number is only valid on its own: "1h30" is an error, not 1h30s.
            if (sawUnit)
            {
                return false;
            }

            total = number;
        }

        seconds = (uint)total;
        return true;
    }
}
