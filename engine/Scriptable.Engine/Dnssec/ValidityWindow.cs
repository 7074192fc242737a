namespace Scriptable.Engine.Dnssec;

/// <summary>One validity window: signatures made in it carry the same inception and expiration.</summary>
/// <param name="Number">The window's number since the epoch (shifted by the zone's offset).</param>
/// <param name="Inception">RRSIG inception, seconds since the epoch.</param>
/// <param name="Expiration">RRSIG expiration, seconds since the epoch.</param>
internal readonly record struct SignatureWindow(long Number, uint Inception, uint Expiration);

/// <summary>
/// Signature lifetimes on fixed boundaries: windows of <see cref="PeriodSeconds"/> (7 days) shifted by a per-zone
/// offset; a signature made in a window has inception = window start - 1 hour (clocks that run behind) and
/// expiration = window start + 14 days. Every node computes the same fields, and a signature is replaced when its
/// window ends, 7 days before it expires: more than any TTL we serve.
/// </summary>
internal static class ValidityWindow
{
    /// <summary>Length of a window.</summary>
    public const long PeriodSeconds = 7 * 86400;

    /// <summary>How long after its window's start a signature expires.</summary>
    public const long LifetimeSeconds = 14 * 86400;

    /// <summary>How long before its window's start a signature is valid.</summary>
    public const long BackdateSeconds = 3600;

    /// <summary>The window holding <paramref name="now"/> for a zone shifted by <paramref name="offsetSeconds"/>.</summary>
    public static SignatureWindow For(DateTimeOffset now, long offsetSeconds)
    {
        var shifted = now.ToUnixTimeSeconds() - offsetSeconds;
        var number = Math.DivRem(shifted, PeriodSeconds, out var rest) - (rest < 0 ? 1 : 0);
        var start = number * PeriodSeconds + offsetSeconds;
        return new SignatureWindow(number, unchecked((uint)(start - BackdateSeconds)), unchecked((uint)(start + LifetimeSeconds)));
    }
}
