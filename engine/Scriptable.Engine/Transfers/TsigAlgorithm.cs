using System.Security.Cryptography;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Transfers;

/// <summary>A TSIG MAC algorithm (RFC 8945 section 6): its name as configured and on the wire, and its HMAC.</summary>
public sealed class TsigAlgorithm
{
    private TsigAlgorithm(string name, HashAlgorithmName hash, int macSize)
    {
        Name = name;
        WireName = DnsName.Parse(name + ".");
        Hash = hash;
        MacSize = macSize;
    }

    /// <summary>hmac-sha256: required of every implementation (RFC 8945 section 6).</summary>
    public static TsigAlgorithm HmacSha256 { get; } = new("hmac-sha256", HashAlgorithmName.SHA256, 32);

    /// <summary>hmac-sha512.</summary>
    public static TsigAlgorithm HmacSha512 { get; } = new("hmac-sha512", HashAlgorithmName.SHA512, 64);

    /// <summary>hmac-sha1, for old peers.</summary>
    public static TsigAlgorithm HmacSha1 { get; } = new("hmac-sha1", HashAlgorithmName.SHA1, 20);

    /// <summary>Every algorithm, in the order <c>scriptable tsig keygen</c> names them.</summary>
    public static IReadOnlyList<TsigAlgorithm> All { get; } = [HmacSha256, HmacSha512, HmacSha1];

    /// <summary>The configured name (<c>hmac-sha256</c>).</summary>
    public string Name { get; }

    /// <summary>The algorithm's domain name in TSIG records.</summary>
    public DnsName WireName { get; }

    /// <summary>The HMAC's hash.</summary>
    public HashAlgorithmName Hash { get; }

    /// <summary>Length of a full MAC in octets.</summary>
    public int MacSize { get; }

    /// <summary>The algorithm named <paramref name="name"/> (case-insensitive, trailing dot allowed), or null.</summary>
    public static TsigAlgorithm? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var trimmed = name.Trim().TrimEnd('.');
        foreach (var algorithm in All)
        {
            if (string.Equals(algorithm.Name, trimmed, StringComparison.OrdinalIgnoreCase))
            {
                return algorithm;
            }
        }

        return null;
    }

    /// <summary>The algorithm whose wire name is <paramref name="lowerWire"/> (lowered), or null.</summary>
    internal static TsigAlgorithm? Find(ReadOnlySpan<byte> lowerWire)
    {
        foreach (var algorithm in All)
        {
            if (algorithm.WireName.LowerWire.SequenceEqual(lowerWire))
            {
                return algorithm;
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
