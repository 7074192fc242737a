using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Pipeline;

/// <summary>
/// Counters owned by one query context (one receive thread or connection). Only the owner writes them, so
/// there is no cache-line contention on the hot path; metrics sum all contexts when observed.
/// </summary>
internal sealed class QueryCounters
{
    private readonly long[] _byRcode = new long[ResponseCode.Count * 2];

    /// <summary>Queries dropped without answer (garbage, responses).</summary>
    public long Dropped;

    /// <summary>Responses sent with TC=1.</summary>
    public long Truncated;

    /// <summary>Queries whose processing threw (answered SERVFAIL).</summary>
    public long Failures;

    /// <summary>Policy runs on this context (to pick the ones whose time is sampled).</summary>
    public long PolicyRuns;

    /// <summary>Counts a response.</summary>
    public void CountResponse(int rcode, DnsTransport transport) =>
        _byRcode[(Math.Min(rcode, ResponseCode.Count - 1) * 2) + (int)transport]++;

    /// <summary>Responses sent with an rcode over a transport.</summary>
    public long Responses(int rcode, DnsTransport transport) => Volatile.Read(ref _byRcode[(rcode * 2) + (int)transport]);
}
