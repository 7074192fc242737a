namespace Scriptable.Engine.Dnssec;

/// <summary>The key tag of a DNSKEY RDATA (RFC 4034 appendix B, for every algorithm but RSA/MD5).</summary>
public static class KeyTag
{
    /// <summary>Computes the tag of <paramref name="dnskeyRData"/> (flags, protocol, algorithm, public key).</summary>
    public static ushort Compute(ReadOnlySpan<byte> dnskeyRData)
    {
        uint ac = 0;
        for (var i = 0; i < dnskeyRData.Length; i++)
        {
            ac += (i & 1) == 1 ? dnskeyRData[i] : (uint)dnskeyRData[i] << 8;
        }

        ac += (ac >> 16) & 0xFFFF;
        return (ushort)(ac & 0xFFFF);
    }
}
