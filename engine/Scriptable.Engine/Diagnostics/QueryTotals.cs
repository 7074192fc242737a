using Scriptable.Engine.Pipeline;

namespace Scriptable.Engine.Diagnostics;

/// <summary>
/// The CoreDNS-style counters of every query context, summed when the metrics are collected (never on the query
/// path). Layouts are those of <see cref="QueryCounters"/>.
/// </summary>
internal sealed class QueryTotals
{
    /// <summary>Sums the counters of every context of <paramref name="pipeline"/>.</summary>
    public QueryTotals(QueryPipeline pipeline)
    {
        foreach (var counters in pipeline.AllCounters())
        {
            Add(Requests, counters.RequestCounts);
            Add(Durations, counters.DurationCounts);
            Add(DurationTicks, counters.DurationTicks);
            Add(Sizes, counters.SizeCounts);
            Add(Octets, counters.Octets);
            DoRequests += Volatile.Read(ref counters.DoRequests);
            for (var rcode = 0; rcode < ResponsesByRcode.Length; rcode++)
            {
                ResponsesByRcode[rcode] += counters.Responses(rcode, DnsTransport.Udp) + counters.Responses(rcode, DnsTransport.Tcp);
            }
        }
    }

    /// <summary>Answered queries, [transport][family][type].</summary>
    public long[] Requests { get; } = new long[2 * 2 * MonitoredTypes.Count];

    /// <summary>Duration counts, [type][slot].</summary>
    public long[] Durations { get; } = new long[MonitoredTypes.Count * MetricBuckets.DurationSlots];

    /// <summary>Duration sums in Stopwatch ticks, [type].</summary>
    public long[] DurationTicks { get; } = new long[MonitoredTypes.Count];

    /// <summary>Size counts, [query or response][transport][slot].</summary>
    public long[] Sizes { get; } = new long[2 * 2 * MetricBuckets.SizeSlots];

    /// <summary>Octets, [query or response][transport].</summary>
    public long[] Octets { get; } = new long[2 * 2];

    /// <summary>Responses by rcode (both transports).</summary>
    public long[] ResponsesByRcode { get; } = new long[Protocol.ResponseCode.Count];

    /// <summary>Answered queries with the DO bit.</summary>
    public long DoRequests { get; }

    private static void Add(long[] total, ReadOnlySpan<long> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            total[i] += values[i];
        }
    }
}
