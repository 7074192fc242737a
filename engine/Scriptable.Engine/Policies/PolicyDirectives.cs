using System.Globalization;

namespace Scriptable.Engine.Policies;

/// <summary>
/// Settings a policy file gives itself in comment lines, read from the text even when the C# does not
/// compile (so a broken policy still gets its own fallback):
/// <code>
/// // scriptable: fallback=static time=5ms
/// // scriptable: names=www2,*.cdn
/// </code>
/// Keys: <c>names</c> (more names this policy serves, relative to the zone; <c>@</c> is the apex and
/// <c>*.x</c> a wildcard), <c>fallback</c> (servfail, static, nodata, nxdomain, refused), <c>time</c>
/// (time budget: <c>500us</c>, <c>5ms</c>, <c>1s</c>), <c>stack</c> (<c>128k</c>), <c>memory</c> (<c>4m</c>), <c>cpu</c>
/// (the most of the receive loops' time it may take: <c>20%</c>), <c>isolation</c> (<c>process</c>: run in policy worker
/// processes; a policy cannot leave the isolation the server sets).
/// </summary>
internal sealed record PolicyDirectives(PolicySettings Settings, IReadOnlyList<string> Names)
{
    /// <summary>The marker that starts a directive line.</summary>
    public const string Marker = "// scriptable:";

    /// <summary>Reads the directives of a policy's text, reporting malformed ones.</summary>
    public static PolicyDirectives Parse(string text, string file, PolicySettings defaults, List<PolicyDiagnostic> diagnostics)
    {
        var settings = defaults;
        var names = new List<string>();
        var lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var line = rawLine.TrimStart();
            if (!line.StartsWith(Marker, StringComparison.Ordinal))
            {
                continue;
            }

            var indent = rawLine.Length - line.Length;
            var rest = line[Marker.Length..];
            var offset = indent + Marker.Length;
            while (true)
            {
                var trimmed = rest.TrimStart();
                offset += rest.Length - trimmed.Length;
                rest = trimmed;
                if (rest.IsEmpty)
                {
                    break;
                }

                var end = rest.IndexOfAny(' ', '\t');
                var item = end < 0 ? rest : rest[..end];
                var column = offset + 1;
                if (!Apply(item, ref settings, names, out var error))
                {
                    diagnostics.Add(PolicyDiagnostic.Error(file, lineNumber, column, "SCR0101", error));
                }
                else if (error.Length > 0)
                {
                    // Accepted with a remark: isolation=inprocess where the server runs every policy in workers.
                    diagnostics.Add(new PolicyDiagnostic(file, lineNumber, column, false, Isolation.IsolationDirective.IgnoredId, error));
                }

                offset += item.Length;
                rest = rest[item.Length..];
            }
        }

        return new PolicyDirectives(settings, names);
    }

    private static bool Apply(ReadOnlySpan<char> item, ref PolicySettings settings, List<string> names, out string error)
    {
        error = "";
        if (item.StartsWith("isolation=", StringComparison.Ordinal))
        {
            return Isolation.IsolationDirective.Apply(item["isolation=".Length..], ref settings, out error);
        }

        var eq = item.IndexOf('=');
        if (eq <= 0)
        {
            error = $"'{item}' is not a setting: write key=value (names, fallback, time, stack, memory, cpu, isolation).";
            return false;
        }

        var key = item[..eq];
        var value = item[(eq + 1)..];
        switch (key)
        {
            case "names":
                foreach (var range in value.Split(','))
                {
                    var name = value[range].Trim();
                    if (!name.IsEmpty)
                    {
                        names.Add(name.ToString());
                    }
                }

                return true;
            case "fallback":
                if (!Enum.TryParse<PolicyFallback>(value, ignoreCase: true, out var fallback) || char.IsAsciiDigit(value.IsEmpty ? ' ' : value[0]))
                {
                    error = $"fallback '{value}' is not one of servfail, static, nodata, nxdomain, refused.";
                    return false;
                }

                settings = settings with { Fallback = fallback };
                return true;
            case "time":
                if (!TryParseDuration(value, out var time) || time <= TimeSpan.Zero || time > TimeSpan.FromSeconds(10))
                {
                    error = $"time '{value}' is not a duration between 1us and 10s (such as 500us, 5ms, 1s).";
                    return false;
                }

                settings = settings with { TimeBudget = time };
                return true;
            case "stack":
                if (!TryParseSize(value, out var stack) || stack < 16 || stack > 4096)
                {
                    error = $"stack '{value}' is not a size between 16k and 4m.";
                    return false;
                }

                settings = settings with { MaxStackKilobytes = (int)stack };
                return true;
            case "memory":
                // At most 64m: the stacks of policy threads are sized for what a policy can build (PolicyThreads).
                if (!TryParseSize(value, out var memory) || memory < 64 || memory > PolicyThreads.MaxMemoryKilobytes)
                {
                    error = $"memory '{value}' is not a size between 64k and 64m.";
                    return false;
                }

                settings = settings with { MaxAllocatedKilobytes = (int)memory };
                return true;
            case "cpu":
                if (!value.EndsWith('%') || !double.TryParse(value[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent) || percent <= 0 || percent > 100)
                {
                    error = $"cpu '{value}' is not a share between 0% and 100% (such as 5%, 20%).";
                    return false;
                }

                settings = settings with { MaxCpuPercent = percent };
                return true;
            default:
                error = $"'{key}' is not a setting (names, fallback, time, stack, memory, cpu, isolation).";
                return false;
        }
    }

    /// <summary>Parses <c>500us</c>, <c>5ms</c>, <c>2s</c>.</summary>
    public static bool TryParseDuration(ReadOnlySpan<char> text, out TimeSpan duration)
    {
        duration = default;
        var digits = 0;
        while (digits < text.Length && (char.IsAsciiDigit(text[digits]) || text[digits] == '.'))
        {
            digits++;
        }

        if (digits == 0 || !double.TryParse(text[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var unit = text[digits..];
        double? microseconds = unit switch
        {
            "us" => number,
            "ms" => number * 1000,
            "s" => number * 1_000_000,
            _ => null,
        };
        if (microseconds is null)
        {
            return false;
        }

        duration = TimeSpan.FromMicroseconds(microseconds.Value);
        return true;
    }

    /// <summary>Parses <c>256k</c>, <c>4m</c>, <c>1g</c> into kilobytes.</summary>
    public static bool TryParseSize(ReadOnlySpan<char> text, out long kilobytes)
    {
        kilobytes = 0;
        if (text.Length < 2 || !long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        long? scale = char.ToLowerInvariant(text[^1]) switch { 'k' => 1, 'm' => 1024, 'g' => 1024 * 1024, _ => null };
        if (scale is null || number > int.MaxValue)
        {
            return false;
        }

        kilobytes = number * scale.Value;
        return true;
    }
}
