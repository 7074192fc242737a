using Scriptable.Engine.Policies;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Pipeline.Stages;

/// <summary>
/// Route: runs the policy of the question name, if it has one (exact, else a wildcard policy covering it),
/// and puts its answer in the plan (Knot's PREANSWER hook, <c>src/knot/modules/geoip/geoip.c</c>). A
/// policy that answers <see cref="Scriptable.Policies.Answer.Static"/>, or no policy, leaves the name to
/// <see cref="AnswerStage"/> and its zone data; so does a CNAME answer, whose target the answer stage follows.
/// </summary>
internal sealed class RouteStage : QueryStage
{
    private readonly PolicyRunner _runner;

    /// <summary>Creates the stage.</summary>
    public RouteStage(PolicyRunner runner)
    {
        _runner = runner;
    }

    /// <inheritdoc />
    public override StageResult Invoke(QueryContext context)
    {
        var policies = context.Snapshot.Policies;
        if (policies.IsEmpty)
        {
            return StageResult.Continue;
        }

        var zone = context.Zone!;
        var binding = policies.Find(context.QName);
        if (binding is null && policies.HasWildcards)
        {
            binding = policies.FindWildcard(zone, context.QName);
        }

        // A policy of a parent zone does not answer for a name a child zone served here holds.
        if (binding is null || !ReferenceEquals(binding.Origin, zone.Origin) && !binding.Origin.Equals(zone.Origin))
        {
            return StageResult.Continue;
        }

        context.Authoritative = true;
        var answer = _runner.Run(binding, context, owner: null);
        var outcome = PolicyAnswers.Apply(context, zone, answer, owner: null, out var target);
        switch (outcome)
        {
            case PolicyOutcome.Done:
                return StageResult.Respond;
            case PolicyOutcome.FollowCname:
                context.ChainTarget = target;
                return StageResult.Continue;
            default:
                return StageResult.Continue;
        }
    }
}
