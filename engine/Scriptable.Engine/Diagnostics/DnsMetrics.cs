using System.Diagnostics.Metrics;
using System.Diagnostics;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Diagnostics;

/// <summary>
/// The DNS instruments of the <c>Scriptable</c> meter. They are observable: the query path only bumps plain
/// per-context counters, and these sum them when a listener (dotnet-counters, Prometheus) collects.
/// </summary>
internal sealed class DnsMetrics : IDisposable
{
    /// <summary>The meter every Scriptable instrument belongs to.</summary>
    public const string MeterName = "Scriptable";

    private readonly Meter _meter;
    private readonly QueryPipeline _pipeline;

    /// <summary>Creates the instruments for a pipeline.</summary>
    public DnsMetrics(QueryPipeline pipeline, Func<IReadOnlyList<PolicyStats>>? policies = null, IMeterFactory? meterFactory = null)
    {
        _pipeline = pipeline;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableCounter("scriptable.dns.responses", () => Responses(pipeline), "{response}", "Responses sent, by rcode and transport.");
        _meter.CreateObservableCounter("scriptable.dns.dropped", () => pipeline.Sum(c => c.Dropped), "{query}", "Packets dropped without an answer (garbage, responses).");
        _meter.CreateObservableCounter("scriptable.dns.truncated", () => pipeline.Sum(c => c.Truncated), "{response}", "UDP responses sent with TC=1.");
        _meter.CreateObservableCounter("scriptable.dns.failures", () => pipeline.Sum(c => c.Failures), "{query}", "Queries whose processing failed and were answered SERVFAIL.");

        // CoreDNS's names (without its coredns_ namespace), so that its dashboards and alerts read ours.
        _meter.CreateObservableCounter(RequestsName, () => Requests(new QueryTotals(pipeline)), "{request}", "Answered queries, by transport (proto), address family (1 IPv4, 2 IPv6) and query type.");
        _meter.CreateObservableCounter(ResponsesName, () => ResponsesByRcode(new QueryTotals(pipeline)), "{response}", "Responses sent, by rcode.");
        _meter.CreateObservableCounter(DoRequestsName, () => new QueryTotals(pipeline).DoRequests, "{request}", "Answered queries that had the DO bit set.");
        if (policies is null)
        {
            return;
        }

        _meter.CreateObservableCounter("scriptable.policy.queries", () => PerPolicy(policies, s => s.Queries), "{query}", "Queries a policy was asked to answer.");
        _meter.CreateObservableCounter("scriptable.policy.errors", () => PolicyErrors(policies), "{query}", "Policy runs that threw (error.type=exception) or ran out of budget (error.type=budget).");
        _meter.CreateObservableCounter("scriptable.policy.fallbacks", () => PerPolicy(policies, s => s.Fallbacks), "{query}", "Queries answered with the policy's fallback.");
        _meter.CreateObservableCounter("scriptable.policy.reloads", () => PerPolicy(policies, s => s.Reloads), "{reload}", "New versions of a policy loaded after the first.");
        _meter.CreateObservableCounter("scriptable.policy.compile_failures", () => PerPolicy(policies, s => s.CompileFailures), "{compile}", "Versions of a policy that failed to compile or load.");
        _meter.CreateObservableCounter("scriptable.policy.sampled.duration", () => PerPolicy(policies, s => s.SampledTicks, 1.0 / Stopwatch.Frequency), "s",
            $"Time spent in policies by one run in {PolicyRunner.SampleEvery}; divided by scriptable.policy.sampled.runs, the mean run time.");
        _meter.CreateObservableCounter("scriptable.policy.sampled.runs", () => PerPolicy(policies, s => s.Samples), "{run}", "Runs timed for scriptable.policy.sampled.duration.");
    }

    private static List<Measurement<long>> PerPolicy(Func<IReadOnlyList<PolicyStats>> policies, Func<PolicyStats, long> read)
    {
        var list = policies();
        var measurements = new List<Measurement<long>>(list.Count);
        foreach (var stats in list)
        {
            measurements.Add(new Measurement<long>(read(stats), new KeyValuePair<string, object?>(TagNames.Policy, stats.Name)));
        }

        return measurements;
    }

    private static List<Measurement<double>> PerPolicy(Func<IReadOnlyList<PolicyStats>> policies, Func<PolicyStats, long> read, double scale)
    {
        var list = policies();
        var measurements = new List<Measurement<double>>(list.Count);
        foreach (var stats in list)
        {
            measurements.Add(new Measurement<double>(read(stats) * scale, new KeyValuePair<string, object?>(TagNames.Policy, stats.Name)));
        }

        return measurements;
    }

    private static List<Measurement<long>> PolicyErrors(Func<IReadOnlyList<PolicyStats>> policies)
    {
        var list = policies();
        var measurements = new List<Measurement<long>>(list.Count * 2);
        foreach (var stats in list)
        {
            measurements.Add(new Measurement<long>(stats.Exceptions, new(TagNames.Policy, stats.Name), new(TagNames.ErrorType, "exception")));
            measurements.Add(new Measurement<long>(stats.BudgetStops, new(TagNames.Policy, stats.Name), new(TagNames.ErrorType, "budget")));
        }

        return measurements;
    }

    /// <summary>The instrument exported as <c>dns_requests_total</c>.</summary>
    public const string RequestsName = "dns.requests";

    /// <summary>The instrument exported as <c>dns_responses_total</c>.</summary>
    public const string ResponsesName = "dns.responses";

    /// <summary>The instrument exported as <c>dns_do_requests_total</c>.</summary>
    public const string DoRequestsName = "dns.do_requests";

    /// <summary>
    /// The histograms the query path counts into plain arrays (no meter can), as CoreDNS names and buckets them:
    /// <c>dns_request_duration_seconds{type}</c>, <c>dns_request_size_bytes{proto}</c>, <c>dns_response_size_bytes{proto}</c>.
    /// </summary>
    public IReadOnlyList<HistogramFamily> Histograms()
    {
        var totals = new QueryTotals(_pipeline);
        var durations = new List<HistogramSeries>();
        for (var type = 0; type < MonitoredTypes.Count; type++)
        {
            var counts = totals.Durations.AsSpan(type * MetricBuckets.DurationSlots, MetricBuckets.DurationSlots).ToArray();
            if (Array.Exists(counts, c => c > 0))
            {
                durations.Add(new HistogramSeries([new("type", MonitoredTypes.Names[type])], counts, totals.DurationTicks[type] / (double)Stopwatch.Frequency));
            }
        }

        return
        [
            new HistogramFamily("dns_request_duration_seconds", "How long answering a query took (from parsing it to its response written), by query type.", MetricBuckets.DurationSeconds, durations),
            new HistogramFamily("dns_request_size_bytes", "Size of the queries answered, in octets, by transport.", MetricBuckets.SizeOctets, Sizes(totals, 0)),
            new HistogramFamily("dns_response_size_bytes", "Size of the responses sent, in octets, by transport.", MetricBuckets.SizeOctets, Sizes(totals, 1)),
        ];
    }

    private static List<HistogramSeries> Sizes(QueryTotals totals, int which)
    {
        var series = new List<HistogramSeries>(2);
        for (var transport = 0; transport < 2; transport++)
        {
            var counts = totals.Sizes.AsSpan(((which * 2) + transport) * MetricBuckets.SizeSlots, MetricBuckets.SizeSlots).ToArray();
            if (Array.Exists(counts, c => c > 0))
            {
                series.Add(new HistogramSeries([new("proto", Proto(transport))], counts, totals.Octets[(which * 2) + transport]));
            }
        }

        return series;
    }

    private static string Proto(int transport) => transport == (int)DnsTransport.Udp ? "udp" : "tcp";

    private static List<Measurement<long>> Requests(QueryTotals totals)
    {
        var measurements = new List<Measurement<long>>();
        for (var transport = 0; transport < 2; transport++)
        {
            for (var family = 0; family < 2; family++)
            {
                for (var type = 0; type < MonitoredTypes.Count; type++)
                {
                    var value = totals.Requests[(((transport * 2) + family) * MonitoredTypes.Count) + type];
                    if (value > 0)
                    {
                        measurements.Add(new Measurement<long>(value, new("proto", Proto(transport)), new("family", family == 0 ? "1" : "2"), new("type", MonitoredTypes.Names[type])));
                    }
                }
            }
        }

        return measurements;
    }

    private static List<Measurement<long>> ResponsesByRcode(QueryTotals totals)
    {
        var measurements = new List<Measurement<long>>();
        for (var rcode = 0; rcode < totals.ResponsesByRcode.Length; rcode++)
        {
            if (totals.ResponsesByRcode[rcode] > 0)
            {
                measurements.Add(new Measurement<long>(totals.ResponsesByRcode[rcode], new KeyValuePair<string, object?>("rcode", ResponseCode.ToText(rcode))));
            }
        }

        return measurements;
    }

    /// <summary>The meter holding the instruments.</summary>
    public Meter Meter => _meter;

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private static List<Measurement<long>> Responses(QueryPipeline pipeline)
    {
        var measurements = new List<Measurement<long>>();
        for (var rcode = 0; rcode < ResponseCode.Count; rcode++)
        {
            foreach (var transport in (ReadOnlySpan<DnsTransport>)[DnsTransport.Udp, DnsTransport.Tcp])
            {
                var r = rcode;
                var t = transport;
                var value = pipeline.Sum(c => c.Responses(r, t));
                if (value > 0)
                {
                    measurements.Add(new Measurement<long>(value, new(TagNames.Rcode, ResponseCode.ToText(rcode)), new(TagNames.Transport, transport == DnsTransport.Udp ? "udp" : "tcp")));
                }
            }
        }

        return measurements;
    }
}
