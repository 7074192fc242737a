using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones;

/// <summary>What a name is within a zone.</summary>
internal enum LookupKind
{
    /// <summary>The name exists (possibly as an empty non-terminal); Node is its node.</summary>
    Found,

    /// <summary>The name is at or below a zone cut; Node is the cut (answer with a referral).</summary>
    Delegation,

    /// <summary>The name does not exist but a wildcard covers it; Node is the wildcard's node.</summary>
    Wildcard,

    /// <summary>The name does not exist; Node is its closest encloser.</summary>
    NxDomain,

    /// <summary>The name lies below a DNAME; Node is the DNAME's owner (synthesise a CNAME, RFC 6672).</summary>
    Dname,
}

/// <summary>The outcome of <see cref="ZoneLookup"/>.</summary>
internal readonly record struct LookupResult(LookupKind Kind, ZoneNode Node);

/// <summary>
/// Finds what a name is in a zone: exact node, referral, DNAME redirection (RFC 6672), wildcard (RFC 4592: the
/// source of synthesis is <c>*.</c> the closest encloser, and only when the name does not exist) or NXDOMAIN.
/// </summary>
internal static class ZoneLookup
{
    /// <summary>Looks up the query name; <paramref name="dsQuery"/> answers DS at a cut from the parent side.</summary>
    public static LookupResult Find(Zone zone, QueryName name, bool dsQuery)
    {
        var extra = name.LabelCount - zone.Origin.LabelCount;
        for (var skip = 0; skip <= extra; skip++)
        {
            var node = zone.Nodes.Find(name.Suffix(skip), name.SuffixHash(skip));
            if (node is not null)
            {
                return Classify(node, skip == 0, dsQuery);
            }
        }

        // Unreachable when the zone contains the name: the apex always exists.
        return new(LookupKind.NxDomain, zone.Apex);
    }

    /// <summary>Looks up a name reached through a CNAME.</summary>
    public static LookupResult Find(Zone zone, DnsName name, bool dsQuery)
    {
        var extra = name.LabelCount - zone.Origin.LabelCount;
        var lower = name.LowerWire;
        var offsets = name.LabelOffsets;
        var hashes = name.SuffixHashes;
        for (var skip = 0; skip < extra; skip++)
        {
            var node = zone.Nodes.Find(lower[offsets[skip]..], hashes[skip]);
            if (node is not null)
            {
                return Classify(node, skip == 0, dsQuery);
            }
        }

        return Classify(zone.Apex, extra == 0, dsQuery);
    }

    private static LookupResult Classify(ZoneNode node, bool exact, bool dsQuery)
    {
        if (node.Redirect is { } redirect && !(exact && redirect == node))
        {
            return new(LookupKind.Dname, redirect);
        }

        if (node.Cut is { } cut && !(exact && dsQuery && cut == node))
        {
            return new(LookupKind.Delegation, cut);
        }

        if (exact)
        {
            return new(LookupKind.Found, node);
        }

        return node.Wildcard is { } wildcard ? new(LookupKind.Wildcard, wildcard) : new(LookupKind.NxDomain, node);
    }
}
