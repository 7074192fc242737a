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
        var byOwner = new Dictionary<DnsName, Dictionary<ushort, List<ResourceRecord>>>();
        foreach (var rr in records)
        {
            if (!rr.Owner.IsSubdomainOf(origin))
            {
                errors.Add(new(rr.File, rr.Line, $"out-of-zone record '{rr.Owner}' in zone '{origin}'"));
                continue;
            }

            if (rr.Type == RecordType.DNAME)
            {
                errors.Add(new(rr.File, rr.Line, $"DNAME records are not supported ('{rr.Owner}')"));
                continue;
            }

            if (RecordType.IsMetaType(rr.Type) || rr.Type is RecordType.RRSIG or RecordType.NSEC)
            {
                errors.Add(new(rr.File, rr.Line, $"{RecordType.ToText(rr.Type)} cannot be zone data here"));
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

        // Zone cuts (the highest one wins: everything below it is glue or occluded) and wildcard sources.
        foreach (var node in nodes.Values)
        {
            for (var skip = node.Name.LabelCount - origin.LabelCount - 1; skip >= 0; skip--)
            {
                var ancestor = nodes[node.Name.StripLeft(skip)];
                if (ancestor.IsDelegation)
                {
                    node.Cut = ancestor;
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
        }

        return new Zone(origin, nodes[origin], new NameTable<ZoneNode>(nodes), source, total);
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
