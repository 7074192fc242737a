using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones;

/// <summary>
/// Checks the records of one zone and builds its lookup structure: RRsets grouped per node, empty
/// non-terminals added, zone cuts and wildcard sources linked. Reports every problem, not the first.
/// </summary>
internal static class ZoneBuilder
{
    /// <summary>
    /// Builds a zone, or returns null with the errors that prevent it. Warnings do not prevent loading.
    /// </summary>
    public static Zone? Build(DnsName origin, IReadOnlyList<ResourceRecord> records, string source, List<ZoneDiagnostic> errors, List<ZoneDiagnostic> warnings)
    {
        var errorCount = errors.Count;
        ResourceRecord? presigned = null;
        var presignedCount = 0;
        var byOwner = new Dictionary<DnsName, Dictionary<ushort, List<ResourceRecord>>>();
        foreach (var rr in records)
        {
            if (!rr.Owner.IsSubdomainOf(origin))
            {
                // BIND ignores such a record with a warning, and loads the zone.
                warnings.Add(new(rr.File, rr.Line, $"out-of-zone record '{rr.Owner}' ignored: it is not in zone '{origin}'"));
                continue;
            }

            if (RecordType.IsMetaType(rr.Type))
            {
                errors.Add(new(rr.File, rr.Line, $"{RecordType.ToText(rr.Type)} cannot be zone data"));
                continue;
            }

            if (rr.Type is RecordType.RRSIG or RecordType.NSEC or Nsec3 or Nsec3Param)
            {
                // A presigned zone loads, as in BIND, but its signatures and chain are not served: signing is online.
                presigned ??= rr;
                presignedCount++;
                continue;
            }

            if (rr.Type == RecordType.DS && rr.Owner.Equals(origin))
            {
                // As BIND: the DS RRset of a zone belongs to its parent (RFC 4034 section 5).
                errors.Add(new(rr.File, rr.Line, $"DS record at the apex of zone '{origin}': a zone's DS belongs in its parent zone"));
                continue;
            }

            if (!byOwner.TryGetValue(rr.Owner, out var byType))
            {
                byOwner[rr.Owner] = byType = [];
            }

            if (!byType.TryGetValue(rr.Type, out var list))
            {
                byType[rr.Type] = list = [];
            }

            list.Add(rr);
        }

        if (presigned is not null)
        {
            warnings.Add(new(presigned.File, presigned.Line, $"{presignedCount} RRSIG, NSEC, NSEC3 and NSEC3PARAM records ignored: Scriptable signs answers itself when the zone has keys (scriptable dnssec init), and serves no presigned data"));
        }

        if (!byOwner.TryGetValue(origin, out var apexTypes) || !apexTypes.TryGetValue(RecordType.SOA, out var soa))
        {
            errors.Add(new(source, 0, $"zone '{origin}' has no SOA record at its apex"));
        }
        else if (soa.Count > 1)
        {
            errors.Add(new(soa[1].File, soa[1].Line, $"zone '{origin}' has more than one SOA record"));
        }

        if (apexTypes is null || !apexTypes.ContainsKey(RecordType.NS))
        {
            errors.Add(new(source, 0, $"zone '{origin}' has no NS records at its apex"));
        }

        var sets = new Dictionary<DnsName, RRset[]>(byOwner.Count);
        var total = 0;
        foreach (var (owner, byType) in byOwner)
        {
            if (byType.TryGetValue(RecordType.SOA, out var misplaced) && !owner.Equals(origin))
            {
                errors.Add(new(misplaced[0].File, misplaced[0].Line, $"SOA record for '{owner}' is not at the zone apex '{origin}'"));
            }

            if (byType.TryGetValue(RecordType.CNAME, out var cname))
            {
                if (cname.Count > 1)
                {
                    errors.Add(new(cname[1].File, cname[1].Line, $"'{owner}' has more than one CNAME record"));
                }

                if (byType.Count > 1)
                {
                    var other = byType.First(kv => kv.Key != RecordType.CNAME).Value[0];
                    errors.Add(new(other.File, other.Line, $"'{owner}' has a CNAME and other data ({RecordType.ToText(other.Type)})"));
                }
            }

            if (byType.TryGetValue(RecordType.DNAME, out var dname))
            {
                if (dname.Count > 1)
                {
                    errors.Add(new(dname[1].File, dname[1].Line, $"'{owner}' has more than one DNAME record (RFC 6672 section 2.4)"));
                }

                if (!owner.Equals(origin) && byType.ContainsKey(RecordType.NS))
                {
                    // BIND loads it: the DNAME is on the child's side of the cut, never served from here.
                    warnings.Add(new(dname[0].File, dname[0].Line, $"'{owner}' has a DNAME and NS records: the delegation wins and the DNAME will not be served (RFC 6672 section 2.3)"));
                }
            }

            if (owner.IsWildcard && byType.TryGetValue(RecordType.NS, out var wildNs))
            {
                errors.Add(new(wildNs[0].File, wildNs[0].Line, $"wildcard '{owner}' cannot own NS records (RFC 4592 section 4.2)"));
            }

            var list = new List<RRset>(byType.Count);
            foreach (var (type, rrs) in byType.OrderBy(kv => kv.Key))
            {
                list.Add(MakeSet(owner, type, rrs, warnings));
                total += list[^1].Records.Length;
            }

            sets[owner] = [.. list];
        }

        if (errors.Count > errorCount)
        {
            return null;
        }

        // Nodes, with an empty non-terminal for every missing ancestor between an owner and the apex.
        var nodes = new Dictionary<DnsName, ZoneNode>(sets.Count * 2);
        foreach (var (owner, rrsets) in sets)
        {
            nodes[owner] = new ZoneNode(owner, rrsets, owner.Equals(origin));
        }

        foreach (var owner in sets.Keys)
        {
            for (var name = owner.Parent; name.LabelCount > origin.LabelCount && !nodes.ContainsKey(name); name = name.Parent)
            {
                nodes[name] = new ZoneNode(name, [], false);
            }
        }

        // Zone cuts and DNAMEs: the highest wins, everything below it is glue, occluded or redirected. A DNAME at
        // the apex redirects the whole zone but its apex. Then wildcard sources.
        var apexRedirect = nodes[origin].Dname is null ? null : nodes[origin];
        foreach (var node in nodes.Values)
        {
            node.Redirect = apexRedirect;
            for (var skip = node.Name.LabelCount - origin.LabelCount - 1; skip >= 0 && apexRedirect is null; skip--)
            {
                var ancestor = nodes[node.Name.StripLeft(skip)];
                if (ancestor.IsDelegation)
                {
                    node.Cut = ancestor;
                    break;
                }

                if (ancestor.Dname is not null)
                {
                    node.Redirect = ancestor;
                    break;
                }
            }

            if (node.Name.IsWildcard)
            {
                nodes[node.Name.Parent].Wildcard = node;
            }

            if (node.Cut is not null && node.Cut != node)
            {
                foreach (var set in node.Sets)
                {
                    if (set.Type is not (RecordType.A or RecordType.AAAA))
                    {
                        warnings.Add(new(source, 0, $"'{node.Name}' {RecordType.ToText(set.Type)} is below the delegation '{node.Cut.Name}' and will not be served"));
                    }
                }
            }

            if (node.Redirect is { } redirect && redirect != node && node.Sets.Length > 0)
            {
                warnings.Add(new(source, 0, $"'{node.Name}' is below the DNAME of '{redirect.Name}' and will not be served: queries for it are redirected"));
            }
        }

        // A name server below a DNAME could never be reached.
        foreach (var node in nodes.Values)
        {
            if (node.Find(RecordType.NS) is { } ns && (node.IsApex || node.Cut == node))
            {
                foreach (var record in ns.Records)
                {
                    if (DnameAbove(record.Target!, origin, nodes) is { } redirect)
                    {
                        // The zone's own name server is an error, a delegation's a warning: as in BIND.
                        var at = byOwner[node.Name][RecordType.NS][0];
                        (node.IsApex ? errors : warnings).Add(new(at.File, at.Line, $"NS '{record.Target}' of '{node.Name}' is below the DNAME of '{redirect.Name}' and could never be reached"));
                    }
                }
            }
        }

        if (errors.Count > errorCount)
        {
            return null;
        }

        return new Zone(origin, nodes[origin], new NameTable<ZoneNode>(nodes), source, total);
    }

    private const ushort Nsec3 = 50, Nsec3Param = 51;

    /// <summary>
    /// The node whose DNAME redirects <paramref name="name"/> (a name strictly below it, in the zone), or null: the
    /// <see cref="ZoneNode.Redirect"/> of the name's node, or of its closest existing ancestor.
    /// </summary>
    private static ZoneNode? DnameAbove(DnsName name, DnsName origin, Dictionary<DnsName, ZoneNode> nodes)
    {
        if (!name.IsSubdomainOf(origin))
        {
            return null;
        }

        var closest = name;
        while (!nodes.ContainsKey(closest))
        {
            closest = closest.Parent;
        }

        var redirect = nodes[closest].Redirect;
        return redirect is not null && !(closest.Equals(name) && redirect == nodes[closest]) ? redirect : null;
    }

    private static RRset MakeSet(DnsName owner, ushort type, List<ResourceRecord> rrs, List<ZoneDiagnostic> warnings)
    {
        var ttl = rrs[0].Ttl;
        var data = new List<RData>(rrs.Count);
        foreach (var rr in rrs)
        {
            if (rr.Ttl != ttl)
            {
                warnings.Add(new(rr.File, rr.Line, $"TTL {rr.Ttl} of '{owner}' {RecordType.ToText(type)} differs from the RRset's TTL {ttl}; using {ttl} (RFC 2181 section 5.2)"));
            }

            if (data.Contains(rr.Data))
            {
                warnings.Add(new(rr.File, rr.Line, $"duplicate record '{owner}' {RecordType.ToText(type)} ignored"));
                continue;
            }

            data.Add(rr.Data);
        }

        return new RRset(owner, type, ttl, [.. data]);
    }
}
