using System.Buffers.Binary;
using System.Security.Cryptography;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Dnssec;

/// <summary>
/// The keys of one signed zone and what they publish at its apex: the DNSKEY RRset, and CDS/CDNSKEY for the
/// KSKs (RFC 7344, RFC 8078). A zone whose keys could not be read is <see cref="Broken"/>: it is answered
/// SERVFAIL rather than unsigned. Immutable.
/// </summary>
public sealed class ZoneKeys
{
    /// <summary>TTL of the DNSKEY, CDS and CDNSKEY RRsets.</summary>
    public const uint KeyTtl = 3600;

    /// <summary>Creates the keys of <paramref name="origin"/>; with no keys, <paramref name="error"/> says why.</summary>
    public ZoneKeys(DnsName origin, IReadOnlyList<DnssecKey> keys, string? error = null)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(keys);
        Origin = origin;
        Keys = keys;
        Error = error ?? (keys.Count == 0 ? "no keys" : null);
        for (var i = 0; i < keys.Count; i++)
        {
            if (keys[i].IsKsk)
            {
                Ksk ??= keys[i];
            }
            else
            {
                Zsk ??= keys[i];
            }
        }

        // One key with the SEP flag and no ZSK: a combined signing key signs everything.
        Ksk ??= Zsk;
        Zsk ??= Ksk;
        var offset = SHA256.HashData(origin.LowerWire);
        WindowOffset = (long)(BinaryPrimitives.ReadUInt64BigEndian(offset) % (ulong)ValidityWindow.PeriodSeconds);
        if (Ksk is null)
        {
            return;
        }

        var dnskeys = new RData[keys.Count];
        var ksks = new List<DnssecKey>();
        for (var i = 0; i < keys.Count; i++)
        {
            dnskeys[i] = keys[i].DnskeyRData;
            if (keys[i].IsKsk)
            {
                ksks.Add(keys[i]);
            }
        }

        if (ksks.Count == 0)
        {
            // Only keys without the SEP flag: the one that signs the DNSKEY RRset is the one the parent points at.
            ksks.Add(Ksk);
        }

        Dnskey = new RRset(origin, RecordType.DNSKEY, KeyTtl, dnskeys);
        Cds = new RRset(origin, RecordType.CDS, KeyTtl, [.. ksks.Select(k => k.DsRData())]);
        Cdnskey = new RRset(origin, RecordType.CDNSKEY, KeyTtl, [.. ksks.Select(k => k.DnskeyRData)]);
    }

    /// <summary>The zone.</summary>
    public DnsName Origin { get; }

    /// <summary>Every key.</summary>
    public IReadOnlyList<DnssecKey> Keys { get; }

    /// <summary>Signs the DNSKEY, CDS and CDNSKEY RRsets.</summary>
    public DnssecKey? Ksk { get; }

    /// <summary>Signs every other RRset.</summary>
    public DnssecKey? Zsk { get; }

    /// <summary>Why the zone cannot be signed, or null.</summary>
    public string? Error { get; }

    /// <summary>True when the zone is signed but its keys are unusable: its queries are answered SERVFAIL.</summary>
    public bool Broken => Error is not null || Ksk is null;

    /// <summary>The apex DNSKEY RRset.</summary>
    public RRset? Dnskey { get; }

    /// <summary>The apex CDS RRset (one DS, SHA-256, per KSK).</summary>
    public RRset? Cds { get; }

    /// <summary>The apex CDNSKEY RRset.</summary>
    public RRset? Cdnskey { get; }

    /// <summary>
    /// Seconds the zone's validity windows are shifted by, derived from its name, so that every node computes the same
    /// windows and different zones do not all re-sign at once.
    /// </summary>
    public long WindowOffset { get; }

    /// <summary>The key that signs an RRset of <paramref name="type"/>.</summary>
    public DnssecKey SignerFor(ushort type) => (type is RecordType.DNSKEY or RecordType.CDS or RecordType.CDNSKEY ? Ksk : Zsk)!;

    /// <summary>The apex RRset the keys publish for <paramref name="type"/>, or null.</summary>
    public RRset? ApexSet(ushort type) => type switch
    {
        RecordType.DNSKEY => Dnskey,
        RecordType.CDS => Cds,
        RecordType.CDNSKEY => Cdnskey,
        _ => null,
    };
}
