using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Protocol;
using Scriptable.Server.Hosting;

namespace Scriptable.Server.Admin;

/// <summary>
/// <c>GET /stats</c>: the query counters since start, small enough for the status page to read every two seconds
/// and turn into rates (two readings, divided by the time between them): responses in total and by rcode, and
/// the duration histogram over every query type (CoreDNS's buckets, counts not cumulative).
/// </summary>
internal static class StatsRoutes
{
    /// <summary>Adds the route.</summary>
    public static void Map(WebApplication app, ScriptableServer server)
    {
        app.MapGet("/stats", () => Results.Json(Stats(server)));
    }

    private static object Stats(ScriptableServer server)
    {
        var totals = new QueryTotals(server.Pipeline);
        var rcodes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long responses = 0;
        for (var rcode = 0; rcode < totals.ResponsesByRcode.Length; rcode++)
        {
            if (totals.ResponsesByRcode[rcode] > 0)
            {
                rcodes[ResponseCode.ToText(rcode)] = totals.ResponsesByRcode[rcode];
                responses += totals.ResponsesByRcode[rcode];
            }
        }

        var counts = new long[MetricBuckets.DurationSlots];
        long ticks = 0;
        for (var type = 0; type < MonitoredTypes.Count; type++)
        {
            for (var slot = 0; slot < counts.Length; slot++)
            {
                counts[slot] += totals.Durations[(type * MetricBuckets.DurationSlots) + slot];
            }

            ticks += totals.DurationTicks[type];
        }

        return new
        {
            time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
            responses,
            rcodes,
            dropped = server.Pipeline.Sum(c => c.Dropped),
            duration = new
            {
                bounds = MetricBuckets.DurationSeconds,
                counts,
                sum = ticks / (double)System.Diagnostics.Stopwatch.Frequency,
            },
        };
    }
}
