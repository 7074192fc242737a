using System.Buffers.Binary;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Dnssec;

/// <summary>
/// Makes the RRSIG RDATA of an RRset (RFC 4034 section 3): type covered, algorithm 13, labels, original TTL,
/// expiration, inception, key tag, signer's name (lowercase, never compressed), and the ECDSA P-256 signature over
/// that header and the RRset in canonical form. ECDSA signatures are randomised (.NET has no RFC 6979 deterministic
/// ECDSA): two nodes, or two runs, sign one RRset to different bytes that are equally valid, and the
/// <see cref="SignatureCache"/> is what keeps one node's repeated answers the same.
/// </summary>
internal static class RrsigSigner
{
    /// <summary>Length of the RRSIG fields before the signer's name.</summary>
    private const int FixedLength = 18;

    /// <summary>Signs <paramref name="set"/> as owned by <paramref name="ownerLower"/> with <paramref name="originalTtl"/>.</summary>
    public static RData Sign(DnssecKey key, DnsName signer, ReadOnlySpan<byte> ownerLower, RRset set, uint originalTtl, SignatureWindow window)
    {
        var signerWire = signer.LowerWire;
        var rdata = new byte[FixedLength + signerWire.Length + DnssecKey.SignatureLength];
        BinaryPrimitives.WriteUInt16BigEndian(rdata, set.Type);
        rdata[2] = DnssecKey.Algorithm;
        rdata[3] = CanonicalRRset.Labels(ownerLower);
        BinaryPrimitives.WriteUInt32BigEndian(rdata.AsSpan(4), originalTtl);
        BinaryPrimitives.WriteUInt32BigEndian(rdata.AsSpan(8), window.Expiration);
        BinaryPrimitives.WriteUInt32BigEndian(rdata.AsSpan(12), window.Inception);
        BinaryPrimitives.WriteUInt16BigEndian(rdata.AsSpan(16), key.Tag);
        signerWire.CopyTo(rdata.AsSpan(FixedLength));
        var prefixLength = FixedLength + signerWire.Length;

        var size = prefixLength;
        foreach (var record in set.Records)
        {
            size += ownerLower.Length + 10 + record.Wire.Length;
        }

        var data = new byte[size];
        var length = CanonicalRRset.WriteSignedData(rdata.AsSpan(0, prefixLength), ownerLower, set, originalTtl, data);
        key.Sign(data.AsSpan(0, length), rdata.AsSpan(prefixLength));
        return RData.FromWire(RecordType.RRSIG, rdata);
    }

    /// <summary>
    /// Checks an RRSIG RDATA against an RRset and a key (tests, <c>scriptable query --dnssec</c>): null when it
    /// validates at <paramref name="now"/>, else why not.
    /// </summary>
    public static string? Verify(DnssecKey key, ReadOnlySpan<byte> rrsig, ReadOnlySpan<byte> ownerLower, RRset set, DateTimeOffset now)
    {
        if (rrsig.Length < FixedLength + 1 + DnssecKey.SignatureLength)
        {
            return "RRSIG too short";
        }

        var covered = BinaryPrimitives.ReadUInt16BigEndian(rrsig);
        var originalTtl = BinaryPrimitives.ReadUInt32BigEndian(rrsig[4..]);
        var expiration = BinaryPrimitives.ReadUInt32BigEndian(rrsig[8..]);
        var inception = BinaryPrimitives.ReadUInt32BigEndian(rrsig[12..]);
        var tag = BinaryPrimitives.ReadUInt16BigEndian(rrsig[16..]);
        if (covered != set.Type || rrsig[2] != DnssecKey.Algorithm || tag != key.Tag)
        {
            return $"RRSIG covers {RecordType.ToText(covered)} algorithm {rrsig[2]} key {tag}, not {RecordType.ToText(set.Type)} algorithm 13 key {key.Tag}";
        }

        var seconds = (uint)now.ToUnixTimeSeconds();
        if ((int)(seconds - inception) < 0 || (int)(expiration - seconds) < 0)
        {
            return $"outside its validity ({DateTimeOffset.FromUnixTimeSeconds(inception):u} to {DateTimeOffset.FromUnixTimeSeconds(expiration):u})";
        }

        var prefixLength = rrsig.Length - DnssecKey.SignatureLength;
        var size = prefixLength;
        foreach (var record in set.Records)
        {
            size += ownerLower.Length + 10 + record.Wire.Length;
        }

        var data = new byte[size];
        var length = CanonicalRRset.WriteSignedData(rrsig[..prefixLength], ownerLower, set, originalTtl, data);
        return key.Verify(data.AsSpan(0, length), rrsig[prefixLength..]) ? null : "the signature does not match the RRset";
    }
}
