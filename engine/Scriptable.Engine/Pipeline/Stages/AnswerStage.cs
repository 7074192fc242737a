using Scriptable.Engine.Policies;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Pipeline.Stages;

/// <summary>
/// Answer: fills the answer, authority and additional sections from the zone's static data (Knot
/// <c>internet.c</c> <c>answer_query</c>): positive answers, in-zone CNAME chains, DNAME redirection with a
/// synthesised CNAME (RFC 6672), wildcards (RFC 4592),
/// referrals with glue (AA clear), NXDOMAIN and NODATA with the SOA, minimal ANY (RFC 8482).
/// </summary>
internal sealed class AnswerStage : QueryStage
{
    private readonly PolicyRunner _runner;

    /// <summary>Creates the stage; <paramref name="runner"/> runs the policies that CNAME chains reach.</summary>
    public AnswerStage(PolicyRunner runner)
    {
        _runner = runner;
    }

    /// <inheritdoc />
    public override StageResult Invoke(QueryContext context)
    {
        var zone = context.Zone!;
        var qtype = context.QType;
        var plan = context.Plan;
        context.Authoritative = true;

        // Route may have answered the question name with a CNAME: go on from its target.
        DnsName? owner = context.ChainTarget;
        var chain = 0;
        LookupResult result;
        if (owner is null)
        {
            result = ZoneLookup.Find(zone, context.QName, qtype == RecordType.DS);
        }
        else if (Follow(context, zone, owner, 1, out result) is { } early)
        {
            return early;
        }
        else
        {
            chain = 1;
        }

        for (; ; chain++)
        {
            switch (result.Kind)
            {
                case LookupKind.Delegation:
                    // A referral is not an authoritative answer; after a CNAME, the alias part still is.
                    context.Authoritative = chain > 0;
                    AddReferral(context, zone, result.Node);
                    return StageResult.Continue;
                case LookupKind.NxDomain when !ExistsForPolicies(context, owner):
                    // RFC 6604: the rcode describes the last name of the chain.
                    context.Rcode = ResponseCode.NXDomain;
                    AddSoa(plan, zone);
                    return StageResult.Continue;
                case LookupKind.NxDomain:
                    // An empty non-terminal made by policy names below it: NODATA.
                    AddSoa(plan, zone);
                    return StageResult.Continue;
                case LookupKind.Dname:
                {
                    // RFC 6672: the DNAME, then a CNAME from the name to the name with the DNAME's owner replaced by
                    // its target (TTL of the DNAME), then on from there as for any CNAME.
                    var dname = result.Node.Dname!;
                    plan.Answer.Add(new PlannedRRset(dname, dname.Owner, dname.Ttl));
                    var from = owner ?? context.QName.ToDnsName();
                    if (!from.TryReplaceSuffix(dname.Owner, dname.Records[0].Target!, out var substituted))
                    {
                        context.Rcode = ResponseCode.YXDomain;
                        return StageResult.Continue;
                    }

                    var synthesized = new RRset(from, RecordType.CNAME, dname.Ttl, [RData.FromWire(RecordType.CNAME, substituted.Wire)]);
                    plan.Answer.Add(new PlannedRRset(synthesized, owner, dname.Ttl));
                    owner = substituted;
                    if (Follow(context, zone, substituted, chain + 1, out result) is { } followed)
                    {
                        return followed;
                    }

                    continue;
                }
            }

            var node = result.Node;
            // RFC 8482 minimal ANY, on both transports as Knot does: the node's first RRset by type.
            var set = qtype == RecordType.ANY ? (node.Sets.Length > 0 ? node.Sets[0] : null) : node.Find(qtype);
            if (node.IsApex && qtype is RecordType.DNSKEY or RecordType.CDS or RecordType.CDNSKEY
                && !context.Snapshot.Dnssec.IsEmpty && context.Snapshot.Dnssec.Find(zone.Origin) is { Broken: false } keys)
            {
                // A signed zone publishes its own keys at the apex (DNSKEY, and CDS/CDNSKEY for parents that scan, RFC
                // 7344), not key records left in its zone file, whose private keys it does not hold.
                set = keys.ApexSet(qtype);
            }

            if (set is not null)
            {
                plan.Answer.Add(new PlannedRRset(set, owner, set.Ttl));
                AddAdditional(plan, zone, set);
                return StageResult.Continue;
            }

            var cname = node.Cname;
            if (cname is null)
            {
                AddSoa(plan, zone);
                return StageResult.Continue;
            }

            plan.Answer.Add(new PlannedRRset(cname, owner, cname.Ttl));
            var target = cname.Records[0].Target!;
            owner = target;
            if (Follow(context, zone, target, chain + 1, out result) is { } done)
            {
                return done;
            }
        }
    }

    /// <summary>
    /// Goes on at a CNAME target: stops (returns a result) when the target is outside the zone, a loop, too
    /// deep, or answered by its policy; otherwise looks it up in the zone data.
    /// </summary>
    private StageResult? Follow(QueryContext context, Zone zone, DnsName target, int chain, out LookupResult result)
    {
        result = default;
        if (!target.IsSubdomainOf(zone.Origin) || chain >= context.Snapshot.Config.MaxCnameChain || Visited(context, target))
        {
            // Out of zone (the resolver goes on from here), a loop, or a chain too long to follow.
            return StageResult.Continue;
        }

        var binding = context.Snapshot.Policies.Find(target);
        while (binding is not null && binding.Origin.Equals(zone.Origin))
        {
            var answer = _runner.Run(binding, context, target);
            switch (PolicyAnswers.Apply(context, zone, answer, target, out var next))
            {
                case PolicyOutcome.Done:
                    return StageResult.Continue;
                case PolicyOutcome.FollowCname:
                    chain++;
                    if (!next!.IsSubdomainOf(zone.Origin) || chain >= context.Snapshot.Config.MaxCnameChain || Visited(context, next))
                    {
                        return StageResult.Continue;
                    }

                    target = next;
                    binding = context.Snapshot.Policies.Find(target);
                    continue;
            }

            break;
        }

        result = ZoneLookup.Find(zone, target, context.QType == RecordType.DS);
        return null;
    }

    /// <summary>True if policies make the name exist (it owns a policy, or a policy's name lies below it).</summary>
    private static bool ExistsForPolicies(QueryContext context, DnsName? owner)
    {
        var policies = context.Snapshot.Policies;
        if (policies.IsEmpty)
        {
            return false;
        }

        return owner is null
            ? policies.Exists(context.QName.Lower, context.QName.SuffixHash(0))
            : policies.Exists(owner.LowerWire, owner.Hash);
    }

    /// <summary>True if a CNAME chain reaches a name it already answered for.</summary>
    private static bool Visited(QueryContext context, DnsName target)
    {
        if (context.QName.Equals(target))
        {
            return true;
        }

        foreach (ref readonly var item in context.Plan.Answer.Items)
        {
            if (item.Owner is { } owner && owner.Equals(target))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Negative answers carry the SOA with TTL min(SOA TTL, MINIMUM) (RFC 2308 section 3).</summary>
    private static void AddSoa(AnswerPlan plan, Zone zone) =>
        plan.Authority.Add(new PlannedRRset(zone.Soa, zone.Origin, zone.NegativeTtl));

    /// <summary>Referral: the cut's NS in authority, glue for in-zone name servers in additional.</summary>
    private static void AddReferral(QueryContext context, Zone zone, ZoneNode cut)
    {
        var ns = cut.Find(RecordType.NS)!;
        context.Plan.Authority.Add(new PlannedRRset(ns, cut.Name, ns.Ttl));
        foreach (var record in ns.Records)
        {
            var target = record.Target!;
            if (target.IsSubdomainOf(zone.Origin))
            {
                // Glue below the cut is required (RFC 9471); other in-zone addresses are a courtesy.
                AddAddresses(context.Plan, zone, target, target.IsSubdomainOf(cut.Name));
            }
        }
    }

    /// <summary>
    /// Addresses of in-zone NS, MX, SRV, SVCB and HTTPS targets (RFC 1035 section 3.3 additional processing, RFC 9460
    /// section 4.2). An SVCB/HTTPS target of <c>.</c> adds nothing, as with knotd: the client asks for the owner's
    /// addresses itself.
    /// </summary>
    internal static void AddAdditional(AnswerPlan plan, Zone zone, RRset set)
    {
        if (set.Type is not (RecordType.NS or RecordType.MX or RecordType.SRV or RecordType.SVCB or RecordType.HTTPS))
        {
            return;
        }

        foreach (var record in set.Records)
        {
            var target = record.Target!;
            if (target.IsSubdomainOf(zone.Origin))
            {
                AddAddresses(plan, zone, target, required: false);
            }
        }
    }

    private static void AddAddresses(AnswerPlan plan, Zone zone, DnsName name, bool required)
    {
        var node = zone.Find(name);
        // Addresses below a zone cut are not ours to give, except as the glue a referral needs.
        if (node is null || (node.Cut is not null && !required))
        {
            return;
        }

        AddAddress(plan, node.Find(RecordType.A), required);
        AddAddress(plan, node.Find(RecordType.AAAA), required);
    }

    private static void AddAddress(AnswerPlan plan, RRset? set, bool required)
    {
        if (set is not null && !plan.Additional.Contains(set))
        {
            plan.Additional.Add(new PlannedRRset(set, set.Owner, set.Ttl, required));
        }
    }
}
