using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Pipeline.Stages;

/// <summary>
/// MatchZone: the zone with the longest origin containing the question name; none means REFUSED, never
/// recursion (CoreDNS <c>core/dnsserver/server.go</c>). A DS query for a zone's apex goes to its parent zone when
/// that is served too (RFC 4034 section 5).
/// </summary>
internal sealed class MatchZoneStage : QueryStage
{
    /// <inheritdoc />
    public override StageResult Invoke(QueryContext context)
    {
        // DS lives on the parent side of a zone cut: at a child's apex, the parent zone answers if served here.
        var zone = context.QType == RecordType.DS ? context.Snapshot.Zones.FindForDs(context.QName) : context.Snapshot.Zones.Find(context.QName);
        if (zone is null)
        {
            return context.Respond(ResponseCode.Refused);
        }

        context.Zone = zone;
        return StageResult.Continue;
    }
}
