using Scriptable.Engine.Dnssec;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Pipeline.Stages;

/// <summary>
/// Sign: for a DO=1 query to a signed zone, adds the proofs a validator needs and an RRSIG for every RRset of the
/// answer and authority sections (Knot's onlinesign, with a cache). Negative answers use compact denial (RFC 9824:
/// NXDOMAIN becomes NOERROR plus an NSEC with NXNAME); a referral carries the DS, or the NSEC proving there is none,
/// and its NS set is left unsigned (it is the child's). Runs after the answer is decided, whichever stage decided it;
/// a signed zone whose keys are unusable is answered SERVFAIL, never unsigned. DO=0 answers are left as they are.
/// </summary>
internal sealed class SignStage
{
    private readonly SignatureCache _cache;
    private readonly TimeProvider _time;

    /// <summary>Creates the stage.</summary>
    public SignStage(SignatureCache cache, TimeProvider time)
    {
        _cache = cache;
        _time = time;
    }

    /// <summary>The cache of signatures made.</summary>
    public SignatureCache Cache => _cache;

    /// <summary>Signs the planned response when it should be.</summary>
    public void Invoke(QueryContext context)
    {
        var signing = context.Snapshot.Dnssec;
        if (signing.IsEmpty || context.Zone is not { } zone || signing.Find(zone.Origin) is not { } keys)
        {
            return;
        }

        if (keys.Broken)
        {
            context.Plan.Clear();
            context.Authoritative = false;
            context.Rcode = ResponseCode.ServFail;
            return;
        }

        if (!context.DnssecOk || context.Rcode is not (ResponseCode.NoError or ResponseCode.NXDomain))
        {
            return;
        }

        var plan = context.Plan;
        var referral = false;
        var negative = false;
        foreach (ref readonly var item in plan.Authority.Items)
        {
            if (ReferenceEquals(item.Set, zone.Soa))
            {
                negative = true;
            }
            else if (item.Set.Type == RecordType.NS && item.Owner is { } cut && !cut.Equals(zone.Origin))
            {
                referral = true;
            }
        }

        if (negative)
        {
            AddDenial(context, zone);
        }
        else if (referral)
        {
            AddDelegationProof(context, zone);
        }

        var window = ValidityWindow.For(_time.GetUtcNow(), keys.WindowOffset);
        Sign(context, plan.Answer, keys, window, skipDelegationNs: false);
        Sign(context, plan.Authority, keys, window, skipDelegationNs: referral);
    }

    private void Sign(QueryContext context, PlannedSection section, ZoneKeys keys, SignatureWindow window, bool skipDelegationNs)
    {
        var count = section.Count;
        for (var i = 0; i < count; i++)
        {
            var item = section.Items[i];
            if (skipDelegationNs && item.Set.Type == RecordType.NS && item.Owner is { } owner && !owner.Equals(keys.Origin))
            {
                continue;
            }

            var ownerLower = item.Owner is { } named ? named.LowerWire : context.QName.Lower;
            var rrsig = _cache.GetOrSign(keys.SignerFor(item.Set.Type), keys.Origin, ownerLower, item.Owner, item.Set, item.Set.Ttl, window, out var hit);
            if (hit)
            {
                context.Counters.SignatureHits++;
            }
            else
            {
                context.Counters.SignatureMisses++;
            }

            section.Add(new PlannedRRset(rrsig, item.Owner, item.Ttl));
        }
    }

    /// <summary>
    /// Compact denial: the NSEC of the name the answer ends at (the question, or the last CNAME's target), listing its
    /// types (NODATA) or NXNAME (the name does not exist, and the rcode becomes NOERROR).
    /// </summary>
    private static void AddDenial(QueryContext context, Zone zone)
    {
        var plan = context.Plan;
        DnsName? name = null;
        var answers = plan.Answer.Items;
        if (answers.Length > 0 && answers[^1].Set.Type == RecordType.CNAME)
        {
            name = answers[^1].Set.Records[0].Target;
        }

        var types = new List<ushort>();
        if (context.Rcode == ResponseCode.NXDomain)
        {
            context.Rcode = ResponseCode.NoError;
            types.Add(RecordType.NXNAME);
        }
        else
        {
            var dsQuery = context.QType == RecordType.DS;
            var result = name is null ? ZoneLookup.Find(zone, context.QName, dsQuery) : ZoneLookup.Find(zone, name, dsQuery);
            if (result.Kind is LookupKind.Found or LookupKind.Wildcard)
            {
                foreach (var set in result.Node.Sets)
                {
                    types.Add(set.Type);
                }

                if (result.Node.IsApex)
                {
                    types.Add(RecordType.DNSKEY);
                    types.Add(RecordType.CDS);
                    types.Add(RecordType.CDNSKEY);
                }
            }
            else if (result.Kind == LookupKind.Delegation)
            {
                // DS asked at a cut that has none: the parent side holds the NS only.
                types.Add(RecordType.NS);
            }

            var policies = context.Snapshot.Policies;
            var binding = policies.IsEmpty ? null : name is null ? policies.Find(context.QName) : policies.Find(name);
            if (binding is not null)
            {
                // What a policy answers depends on the query: the address types it may give are listed, so a resolver
                // that reuses this NSEC (RFC 8198) does not deny them; the type asked is taken out below.
                types.Add(RecordType.A);
                types.Add(RecordType.AAAA);
            }

            for (var i = types.Count - 1; i >= 0; i--)
            {
                if (types[i] == context.QType)
                {
                    types.RemoveAt(i);
                }
            }
        }

        name ??= context.QName.ToDnsName();
        var nsec = CompactDenial.Nsec(name, types, zone.NegativeTtl);
        // Owner null writes the question name with the client's case.
        plan.Authority.Add(new PlannedRRset(nsec, answers.Length > 0 && answers[^1].Set.Type == RecordType.CNAME ? name : null, nsec.Ttl));
    }

    /// <summary>A referral carries the cut's DS, or the NSEC at the cut showing it has none (RFC 4035 section 3.1.4).</summary>
    private static void AddDelegationProof(QueryContext context, Zone zone)
    {
        var plan = context.Plan;
        DnsName? cutName = null;
        foreach (ref readonly var item in plan.Authority.Items)
        {
            if (item.Set.Type == RecordType.NS && item.Owner is { } owner && !owner.Equals(zone.Origin))
            {
                cutName = owner;
                break;
            }
        }

        if (cutName is null || zone.Find(cutName) is not { } cut)
        {
            return;
        }

        if (cut.Find(RecordType.DS) is { } ds)
        {
            plan.Authority.Add(new PlannedRRset(ds, cut.Name, ds.Ttl));
            return;
        }

        var nsec = CompactDenial.Nsec(cut.Name, [RecordType.NS], zone.NegativeTtl);
        plan.Authority.Add(new PlannedRRset(nsec, cut.Name, nsec.Ttl));
    }
}
