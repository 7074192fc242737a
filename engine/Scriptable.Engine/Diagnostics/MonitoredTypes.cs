namespace Scriptable.Engine.Diagnostics;

/// <summary>
/// The query types the CoreDNS-style metrics tell apart (the <c>type</c> label of <c>dns_requests_total</c> and
/// <c>dns_request_duration_seconds</c>): CoreDNS's list, every other type lumped as <c>other</c>, so the
/// label's cardinality is bounded whatever clients ask.
/// </summary>
internal static class MonitoredTypes
{
    /// <summary>The label values, by index; the last is <c>other</c>.</summary>
    public static readonly string[] Names =
        ["A", "AAAA", "CNAME", "DNSKEY", "DS", "MX", "NSEC3", "NSEC", "NS", "PTR", "RRSIG", "SOA", "SRV", "TXT", "HTTPS", "IXFR", "AXFR", "ANY", "other"];

    /// <summary>How many label values there are.</summary>
    public const int Count = 19;

    /// <summary>The index of a query type in <see cref="Names"/> (no allocation: a switch).</summary>
    public static int IndexOf(ushort type) => type switch
    {
        1 => 0,
        28 => 1,
        5 => 2,
        48 => 3,
        43 => 4,
        15 => 5,
        50 => 6,
        47 => 7,
        2 => 8,
        12 => 9,
        46 => 10,
        6 => 11,
        33 => 12,
        16 => 13,
        65 => 14,
        251 => 15,
        252 => 16,
        255 => 17,
        _ => Count - 1,
    };
}
