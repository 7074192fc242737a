using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Scriptable.Server.Hosting;

namespace Scriptable.Server.Admin;

/// <summary>
/// <c>GET /zones</c>: each zone served, its serial, serial policy and journal (what IXFR can answer from), who may
/// transfer it, whom it notifies, and its last transfer out.
/// </summary>
internal static class ZonesRoutes
{
    /// <summary>Adds the route.</summary>
    public static void Map(WebApplication app, ScriptableServer server)
    {
        app.MapGet("/zones", () => Results.Json(Zones(server)));
    }

    private static object Zones(ScriptableServer server)
    {
        var snapshot = server.Pipeline.Snapshot;
        var transfers = snapshot.Config.Transfers;
        return snapshot.Zones.Zones.Select(zone =>
        {
            var config = transfers.For(zone.Origin);
            var journal = snapshot.Journals.GetValueOrDefault(zone.Origin);
            var last = server.Pipeline.Transfers.Last(zone.Origin);
            return new
            {
                origin = zone.Origin.ToString(),
                serial = zone.Serial,
                serialPolicy = config.Serial.ToString(),
                records = zone.RecordCount,
                file = zone.Source,
                journal = new
                {
                    deltas = journal?.Deltas.Count ?? 0,
                    records = journal?.RecordCount ?? 0,
                    fromSerial = journal is { Deltas.Count: > 0 } ? journal.Deltas[0].FromSerial : (uint?)null,
                },
                transferAllow = config.Allow.Select(a => a.ToString()),
                notify = config.Notify.Select(n => n.ToString()),
                lastTransferOut = last is null ? null : new
                {
                    at = last.At,
                    client = last.Client,
                    kind = last.Kind.ToString(),
                    serial = last.Serial,
                    records = last.Records,
                    messages = last.Messages,
                },
            };
        });
    }
}
