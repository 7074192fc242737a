using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;
using Scriptable.Policies;

namespace Scriptable.Engine.Pipeline.Stages;

/// <summary>What the answer stage does after a policy answered for one name.</summary>
internal enum PolicyOutcome
{
    /// <summary>The response is complete.</summary>
    Done,

    /// <summary>The policy said "use the zone file" for this name.</summary>
    Static,

    /// <summary>A CNAME was added; resolution goes on at its target.</summary>
    FollowCname,
}

/// <summary>
/// Puts a policy's <see cref="Answer"/> into the response plan, for the question name or a name reached
/// through a CNAME: the records of the question type (or the CNAME), NODATA or NXDOMAIN with the SOA,
/// REFUSED or SERVFAIL; shared by <see cref="RouteStage"/> and <see cref="AnswerStage"/>.
/// </summary>
internal static class PolicyAnswers
{
    /// <summary>
    /// Applies <paramref name="answer"/> for <paramref name="owner"/> (null: the question name). On
    /// <see cref="PolicyOutcome.FollowCname"/>, <paramref name="target"/> is the CNAME's target.
    /// </summary>
    public static PolicyOutcome Apply(QueryContext context, Zone zone, Answer answer, DnsName? owner, out DnsName? target)
    {
        target = null;
        var scope = context.PolicyContext.ResolveScope(answer);
        if (scope > context.EcsScope)
        {
            context.EcsScope = scope;
        }

        var plan = context.Plan;
        switch (answer.Kind)
        {
            case AnswerKind.Static:
                return PolicyOutcome.Static;
            case AnswerKind.NxDomain:
                context.Rcode = ResponseCode.NXDomain;
                AddSoa(plan, zone);
                return PolicyOutcome.Done;
            case AnswerKind.NoData:
                AddSoa(plan, zone);
                return PolicyOutcome.Done;
            case AnswerKind.Refused:
                context.Authoritative = false;
                context.Rcode = ResponseCode.Refused;
                plan.Clear();
                return PolicyOutcome.Done;
            case AnswerKind.ServFail:
                context.Authoritative = false;
                context.Rcode = ResponseCode.ServFail;
                plan.Clear();
                return PolicyOutcome.Done;
        }

        var qtype = context.QType;
        var sets = answer.Sets;
        RRset? cname = null;
        var added = false;
        for (var i = 0; i < sets.Length; i++)
        {
            var set = sets[i];
            if (set.Type == RecordType.CNAME)
            {
                cname = set;
            }

            // RFC 8482 minimal ANY: one RRset.
            if (set.Type == qtype || (qtype == RecordType.ANY && !added))
            {
                plan.Answer.Add(new PlannedRRset(set, owner, set.Ttl, Order: answer.Order, Rotation: answer.Order == RecordOrder.Rotated ? answer.NextRotation() : 0));
                AnswerStage.AddAdditional(plan, zone, set);
                added = true;
            }
        }

        if (added)
        {
            return PolicyOutcome.Done;
        }

        if (cname is not null)
        {
            plan.Answer.Add(new PlannedRRset(cname, owner, cname.Ttl));
            target = cname.Records[0].Target!;
            return PolicyOutcome.FollowCname;
        }

        AddSoa(plan, zone);
        return PolicyOutcome.Done;
    }

    private static void AddSoa(AnswerPlan plan, Zone zone) =>
        plan.Authority.Add(new PlannedRRset(zone.Soa, zone.Origin, zone.NegativeTtl));
}
