using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Pipeline;

/// <summary>
/// Counters owned by one query context (one receive thread or connection). Only the owner writes them, so
/// there is no cache-line contention on the hot path; metrics sum all contexts when observed.
/// </summary>
internal sealed class QueryCounters
{
    private readonly long[] _byRcode = new long[ResponseCode.Count * 2];

    // The CoreDNS-style metrics (Diagnostics/README.md): flat arrays, indexed without allocating.
    private readonly long[] _requests = new long[2 * 2 * MonitoredTypes.Count];
    private readonly long[] _duration = new long[MonitoredTypes.Count * MetricBuckets.DurationSlots];
    private readonly long[] _durationTicks = new long[MonitoredTypes.Count];
    private readonly long[] _sizes = new long[2 * 2 * MetricBuckets.SizeSlots];
    private readonly long[] _octets = new long[2 * 2];

    /// <summary>Answered queries that had the DO bit set.</summary>
    public long DoRequests;

    /// <summary>Queries dropped without answer (garbage, responses).</summary>
    public long Dropped;

    /// <summary>Responses sent with TC=1.</summary>
    public long Truncated;

    /// <summary>Queries whose processing threw (answered SERVFAIL).</summary>
    public long Failures;

    /// <summary>Policy runs on this context (to pick the ones whose time is sampled).</summary>
    public long PolicyRuns;

    /// <summary>RRSIGs served from the signature cache.</summary>
    public long SignatureHits;

    /// <summary>RRSIGs not in the signature cache (made, or waited for while another query made them).</summary>
    public long SignatureMisses;

    /// <summary>Counts a response.</summary>
    public void CountResponse(int rcode, DnsTransport transport) =>
        _byRcode[(Math.Min(rcode, ResponseCode.Count - 1) * 2) + (int)transport]++;

    /// <summary>
    /// Counts an answered query for the CoreDNS-style metrics: by transport, address family and type; how long it
    /// took (Stopwatch ticks), by type; the sizes of the query and the response, by transport.
    /// </summary>
    public void CountRequest(DnsTransport transport, bool ipv6, ushort qtype, long elapsedTicks, int requestLength, int responseLength, bool dnssecOk)
    {
        var type = MonitoredTypes.IndexOf(qtype);
        var t = (int)transport;
        _requests[(((t * 2) + (ipv6 ? 1 : 0)) * MonitoredTypes.Count) + type]++;
        _duration[(type * MetricBuckets.DurationSlots) + MetricBuckets.Slot(MetricBuckets.DurationTicks, elapsedTicks)]++;
        _durationTicks[type] += elapsedTicks;
        _sizes[(t * MetricBuckets.SizeSlots) + MetricBuckets.Slot(MetricBuckets.SizeLongs, requestLength)]++;
        _sizes[((2 + t) * MetricBuckets.SizeSlots) + MetricBuckets.Slot(MetricBuckets.SizeLongs, responseLength)]++;
        _octets[t] += requestLength;
        _octets[2 + t] += responseLength;
        if (dnssecOk)
        {
            DoRequests++;
        }
    }

    /// <summary>Answered queries, indexed [transport][family (0 IPv4, 1 IPv6)][<see cref="MonitoredTypes"/> index].</summary>
    public ReadOnlySpan<long> RequestCounts => _requests;

    /// <summary>Duration histogram counts, indexed [type][slot of <see cref="MetricBuckets.DurationTicks"/>].</summary>
    public ReadOnlySpan<long> DurationCounts => _duration;

    /// <summary>Total duration in Stopwatch ticks, by type.</summary>
    public ReadOnlySpan<long> DurationTicks => _durationTicks;

    /// <summary>Size histogram counts, indexed [query 0 or response 1][transport][slot of <see cref="MetricBuckets.SizeLongs"/>].</summary>
    public ReadOnlySpan<long> SizeCounts => _sizes;

    /// <summary>Total octets, indexed [query 0 or response 1][transport].</summary>
    public ReadOnlySpan<long> Octets => _octets;

    /// <summary>Responses sent with an rcode over a transport.</summary>
    public long Responses(int rcode, DnsTransport transport) => Volatile.Read(ref _byRcode[(rcode * 2) + (int)transport]);
}
