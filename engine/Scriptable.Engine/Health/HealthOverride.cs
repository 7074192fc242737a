using System.Globalization;

namespace Scriptable.Engine.Health;

/// <summary>An operator's override of a check or group (see <see cref="HealthMonitor.SetOverride"/>).</summary>
/// <param name="Kind">Force up, force down, or drain.</param>
/// <param name="Expires">When it lapses by itself, or null to last until cleared.</param>
/// <param name="Reason">Why, for the logs and the status page (a ticket, "maintenance"), or null.</param>
/// <param name="SetAt">When it was set.</param>
public sealed record HealthOverride(HealthOverrideKind Kind, DateTimeOffset? Expires, string? Reason, DateTimeOffset SetAt)
{
    /// <summary>True if it has lapsed at <paramref name="now"/>.</summary>
    public bool IsExpired(DateTimeOffset now) => Expires is { } expires && expires <= now;

    /// <summary>The kind as written in files and logs: <c>force-up</c>, <c>force-down</c>, <c>drain</c>.</summary>
    public static string KindText(HealthOverrideKind kind) => kind switch
    {
        HealthOverrideKind.ForceUp => "force-up",
        HealthOverrideKind.ForceDown => "force-down",
        _ => "drain",
    };

    /// <summary>Parses <c>force-up</c>, <c>force-down</c>, <c>drain</c> (any case, <c>_</c> for <c>-</c>, or the enum names).</summary>
    public static bool TryParseKind(string? text, out HealthOverrideKind kind)
    {
        switch (text?.Trim().Replace('_', '-').ToLowerInvariant())
        {
            case "force-up" or "forceup" or "up":
                kind = HealthOverrideKind.ForceUp;
                return true;
            case "force-down" or "forcedown" or "down":
                kind = HealthOverrideKind.ForceDown;
                return true;
            case "drain" or "draining":
                kind = HealthOverrideKind.Drain;
                return true;
            default:
                kind = default;
                return false;
        }
    }

    /// <summary>What the map's <c>Reason</c> says: <c>drained by an operator until 2026-01-01T12:00:00Z: maintenance</c>.</summary>
    public string Describe()
    {
        var what = Kind switch
        {
            HealthOverrideKind.ForceUp => "forced up by an operator",
            HealthOverrideKind.ForceDown => "forced down by an operator",
            _ => "drained by an operator",
        };
        var until = Expires is { } expires ? " until " + expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";
        return string.IsNullOrWhiteSpace(Reason) ? what + until : $"{what}{until}: {Reason}";
    }
}
