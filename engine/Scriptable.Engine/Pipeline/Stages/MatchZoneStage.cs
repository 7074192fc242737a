using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Pipeline.Stages;

/// <summary>
/// MatchZone: the zone with the longest origin containing the question name; none means REFUSED, never
/// recursion (CoreDNS <c>core/dnsserver/server.go</c>).
/// </summary>
internal sealed class MatchZoneStage : QueryStage
{
    /// <inheritdoc />
    public override StageResult Invoke(QueryContext context)
    {
        var zone = context.Snapshot.Zones.Find(context.QName);
        if (zone is null)
        {
            return context.Respond(ResponseCode.Refused);
        }

        context.Zone = zone;
        return StageResult.Continue;
    }
}
