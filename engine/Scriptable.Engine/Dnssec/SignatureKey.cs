using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Dnssec;

/// <summary>
/// What a cached signature is looked up by: the signing key's tag and a SHA-256 over the key's public key and the
/// RRset as it is signed (lowercased owner, type, class, original TTL, every record's canonical RDATA). A strong hash,
/// never a weak one: coredns#3953 served one TXT's signature for another after a collision of its 64-bit key.
/// </summary>
internal readonly struct SignatureKey : IEquatable<SignatureKey>
{
    [ThreadStatic]
    private static byte[]? t_scratch;

    private readonly ulong _h0;
    private readonly ulong _h1;
    private readonly ulong _h2;
    private readonly ulong _h3;
    private readonly ushort _tag;

    private SignatureKey(ReadOnlySpan<byte> hash, ushort tag)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(hash);
        _h0 = words[0];
        _h1 = words[1];
        _h2 = words[2];
        _h3 = words[3];
        _tag = tag;
    }

    /// <summary>The key of <paramref name="set"/> as owned by <paramref name="ownerLower"/>, signed by <paramref name="key"/>.</summary>
    public static SignatureKey Of(DnssecKey key, ReadOnlySpan<byte> ownerLower, RRset set, uint originalTtl)
    {
        var scratch = t_scratch ??= new byte[256 + 64 + 10 + 65536];
        var position = 0;
        key.PublicKey.CopyTo(scratch, 0);
        position += key.PublicKey.Length;
        ownerLower.CopyTo(scratch.AsSpan(position));
        position += ownerLower.Length;
        BinaryPrimitives.WriteUInt16BigEndian(scratch.AsSpan(position), set.Type);
        BinaryPrimitives.WriteUInt16BigEndian(scratch.AsSpan(position + 2), set.Class);
        BinaryPrimitives.WriteUInt32BigEndian(scratch.AsSpan(position + 4), originalTtl);
        position += 8;
        foreach (var record in set.Records)
        {
            if (position + 2 + record.Wire.Length > scratch.Length)
            {
                // Larger than any message: hashed in parts (never on a real answer's path).
                return OfLarge(key, ownerLower, set, originalTtl);
            }

            BinaryPrimitives.WriteUInt16BigEndian(scratch.AsSpan(position), (ushort)record.Wire.Length);
            position += 2;
            position += CanonicalRRset.WriteRData(record, scratch.AsSpan(position));
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(scratch.AsSpan(0, position), hash);
        return new SignatureKey(hash, key.Tag);
    }

    private static SignatureKey OfLarge(DnssecKey key, ReadOnlySpan<byte> ownerLower, RRset set, uint originalTtl)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(key.PublicKey);
        hash.AppendData(ownerLower);
        Span<byte> fixedPart = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, set.Type);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[2..], set.Class);
        BinaryPrimitives.WriteUInt32BigEndian(fixedPart[4..], originalTtl);
        hash.AppendData(fixedPart);
        foreach (var record in set.Records)
        {
            var buffer = new byte[2 + record.Wire.Length];
            BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)record.Wire.Length);
            CanonicalRRset.WriteRData(record, buffer.AsSpan(2));
            hash.AppendData(buffer);
        }

        return new SignatureKey(hash.GetHashAndReset(), key.Tag);
    }

    /// <inheritdoc />
    public bool Equals(SignatureKey other) => _h0 == other._h0 && _h1 == other._h1 && _h2 == other._h2 && _h3 == other._h3 && _tag == other._tag;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SignatureKey other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (int)_h0 ^ _tag;
}
