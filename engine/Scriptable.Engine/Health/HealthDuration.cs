using System.Globalization;

namespace Scriptable.Engine.Health;

/// <summary>Durations as people write and read them: <c>500ms</c>, <c>2s</c>, <c>1m30s</c>; <c>2 s</c>, <c>3 min</c>.</summary>
internal static class HealthDuration
{
    /// <summary>The longest duration accepted: a day.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(1);

    /// <summary>
    /// Parses one or more <c>number unit</c> parts with no spaces: units <c>ms</c>, <c>s</c>, <c>m</c>,
    /// <c>h</c>; the number may have a fraction (<c>1.5s</c>).
    /// </summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return false;
        }

        var total = 0.0;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !double.TryParse(span[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            span = span[digits..];
            double unit;
            if (span.StartsWith("ms", StringComparison.Ordinal))
            {
                unit = 0.001;
                span = span[2..];
            }
            else if (span.StartsWith("s", StringComparison.Ordinal))
            {
                unit = 1;
                span = span[1..];
            }
            else if (span.StartsWith("m", StringComparison.Ordinal))
            {
                unit = 60;
                span = span[1..];
            }
            else if (span.StartsWith("h", StringComparison.Ordinal))
            {
                unit = 3600;
                span = span[1..];
            }
            else
            {
                return false;
            }

            total += number * unit;
        }

        if (total > Max.TotalSeconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(Math.Round(total * 1000));
        return true;
    }

    /// <summary>A short reading: <c>450 ms</c>, <c>2 s</c>, <c>1.5 s</c>, <c>3 min</c>, <c>2 h 5 min</c>, <c>3 d 4 h</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            value = TimeSpan.Zero;
        }

        if (value < TimeSpan.FromSeconds(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalMilliseconds} ms");
        }

        if (value < TimeSpan.FromSeconds(10))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(value.TotalSeconds * 10) / 10:0.#} s");
        }

        if (value < TimeSpan.FromMinutes(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalSeconds} s");
        }

        if (value < TimeSpan.FromHours(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalMinutes} min");
        }

        if (value < TimeSpan.FromDays(1))
        {
            return value.Minutes == 0
                ? string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalHours} h")
                : string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalHours} h {value.Minutes} min");
        }

        return value.Hours == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalDays} d")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalDays} d {value.Hours} h");
    }
}
