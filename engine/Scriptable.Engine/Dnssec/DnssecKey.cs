using System.Buffers.Binary;
using System.Security.Cryptography;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Dnssec;

/// <summary>
/// One signing key of a zone: ECDSA P-256 with SHA-256 (algorithm 13, RFC 6605), its DNSKEY RDATA and key tag.
/// A key with the SEP flag (257) is a KSK, or a CSK when the zone has no other key; 256 is a ZSK.
/// </summary>
public sealed class DnssecKey : IDisposable
{
    /// <summary>ECDSAP256SHA256.</summary>
    public const byte Algorithm = 13;

    /// <summary>DNSKEY flags of a zone key with the Secure Entry Point bit: a KSK or CSK.</summary>
    public const ushort KskFlags = 257;

    /// <summary>DNSKEY flags of a zone key: a ZSK.</summary>
    public const ushort ZskFlags = 256;

    /// <summary>Length of an algorithm 13 signature: r and s, 32 octets each (RFC 6605 section 4).</summary>
    public const int SignatureLength = 64;

    private readonly ECDsa _ecdsa;

    private DnssecKey(DnsName zone, ushort flags, ECDsa ecdsa, string? file)
    {
        Zone = zone;
        Flags = flags;
        _ecdsa = ecdsa;
        File = file;
        var parameters = ecdsa.ExportParameters(false);
        PublicKey = [.. parameters.Q.X!, .. parameters.Q.Y!];
        var rdata = new byte[4 + PublicKey.Length];
        BinaryPrimitives.WriteUInt16BigEndian(rdata, flags);
        rdata[2] = 3;
        rdata[3] = Algorithm;
        PublicKey.CopyTo(rdata, 4);
        DnskeyRData = RData.FromWire(RecordType.DNSKEY, rdata);
        Tag = KeyTag.Compute(rdata);
    }

    /// <summary>The zone the key signs.</summary>
    public DnsName Zone { get; }

    /// <summary>DNSKEY flags: <see cref="KskFlags"/> or <see cref="ZskFlags"/>.</summary>
    public ushort Flags { get; }

    /// <summary>True for a key with the SEP flag (KSK or CSK).</summary>
    public bool IsKsk => Flags == KskFlags;

    /// <summary>The public key: Q.x then Q.y, 32 octets each (RFC 6605 section 4).</summary>
    public byte[] PublicKey { get; }

    /// <summary>The DNSKEY RDATA.</summary>
    public RData DnskeyRData { get; }

    /// <summary>The key tag (RFC 4034 appendix B).</summary>
    public ushort Tag { get; }

    /// <summary>The private key file the key was read from, or null for a key made in memory.</summary>
    public string? File { get; }

    /// <summary>Makes a new key.</summary>
    public static DnssecKey Create(DnsName zone, ushort flags) => new(zone, flags, ECDsa.Create(ECCurve.NamedCurves.nistP256), null);

    /// <summary>A key from its private scalar (32 octets, the <c>PrivateKey:</c> line of a BIND private file).</summary>
    public static DnssecKey FromPrivate(DnsName zone, ushort flags, ReadOnlySpan<byte> d, string? file)
    {
        var ecdsa = ECDsa.Create();
        // The public point is derived from d by the import.
        ecdsa.ImportParameters(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d.ToArray() });
        return new DnssecKey(zone, flags, ecdsa, file);
    }

    /// <summary>The private scalar d (32 octets).</summary>
    public byte[] ExportPrivate() => _ecdsa.ExportParameters(true).D!;

    /// <summary>Signs <paramref name="data"/> with SHA-256, writing the 64-octet r||s signature.</summary>
    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
        if (!_ecdsa.TrySignData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out var written) || written != SignatureLength)
        {
            throw new CryptographicException("The ECDSA signature did not have 64 octets.");
        }
    }

    /// <summary>Checks a signature made by this key (tests and <c>scriptable query --dnssec</c>).</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        _ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>The DS RDATA of this key with a SHA-256 digest (digest type 2, RFC 4509).</summary>
    public RData DsRData()
    {
        var owner = Zone.LowerWire;
        var rdata = DnskeyRData.Wire;
        var input = new byte[owner.Length + rdata.Length];
        owner.CopyTo(input);
        rdata.CopyTo(input.AsSpan(owner.Length));
        var ds = new byte[4 + 32];
        BinaryPrimitives.WriteUInt16BigEndian(ds, Tag);
        ds[2] = Algorithm;
        ds[3] = 2;
        SHA256.HashData(input, ds.AsSpan(4));
        return RData.FromWire(RecordType.DS, ds);
    }

    /// <inheritdoc />
    public void Dispose() => _ecdsa.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"{Zone} {(IsKsk ? "KSK" : "ZSK")} {Tag}";
}
