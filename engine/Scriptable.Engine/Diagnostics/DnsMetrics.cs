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

    /// <summary>Creates the instruments for a pipeline.</summary>
    public DnsMetrics(QueryPipeline pipeline, Func<IReadOnlyList<PolicyStats>>? policies = null, IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableCounter("scriptable.dns.responses", () => Responses(pipeline), "{response}", "Responses sent, by rcode and transport.");
        _meter.CreateObservableCounter("scriptable.dns.dropped", () => pipeline.Sum(c => c.Dropped), "{query}", "Packets dropped without an answer (garbage, responses).");
        _meter.CreateObservableCounter("scriptable.dns.truncated", () => pipeline.Sum(c => c.Truncated), "{response}", "UDP responses sent with TC=1.");
        _meter.CreateObservableCounter("scriptable.dns.failures", () => pipeline.Sum(c => c.Failures), "{query}", "Queries whose processing failed and were answered SERVFAIL.");
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
