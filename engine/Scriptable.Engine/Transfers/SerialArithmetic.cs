namespace Scriptable.Engine.Transfers;

/// <summary>SOA serial comparison (RFC 1982): serials wrap around 2^32.</summary>
public static class SerialArithmetic
{
    /// <summary>True when <paramref name="a"/> is newer than <paramref name="b"/> (greater, modulo 2^32).</summary>
    public static bool IsNewer(uint a, uint b) => a != b && (int)(a - b) > 0;
}
