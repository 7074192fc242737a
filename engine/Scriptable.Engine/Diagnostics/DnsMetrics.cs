using System.Diagnostics.Metrics;
using Scriptable.Engine.Pipeline;
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
    public DnsMetrics(QueryPipeline pipeline, IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableCounter("scriptable.dns.responses", () => Responses(pipeline), "{response}", "Responses sent, by rcode and transport.");
        _meter.CreateObservableCounter("scriptable.dns.dropped", () => pipeline.Sum(c => c.Dropped), "{query}", "Packets dropped without an answer (garbage, responses).");
        _meter.CreateObservableCounter("scriptable.dns.truncated", () => pipeline.Sum(c => c.Truncated), "{response}", "UDP responses sent with TC=1.");
        _meter.CreateObservableCounter("scriptable.dns.failures", () => pipeline.Sum(c => c.Failures), "{query}", "Queries whose processing failed and were answered SERVFAIL.");
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
