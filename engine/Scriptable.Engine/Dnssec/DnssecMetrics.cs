using System.Diagnostics.Metrics;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Pipeline;

namespace Scriptable.Engine.Dnssec;

/// <summary>
/// The signing instruments of the <c>Scriptable</c> meter: <c>scriptable.dnssec.signatures</c> (made),
/// <c>scriptable.dnssec.signing.duration</c> (seconds spent signing), <c>scriptable.dnssec.cache.hits</c> and
/// <c>.misses</c>, <c>scriptable.dnssec.cache.entries</c>. Read when a listener collects; the query path only bumps
/// its own context's counters.
/// </summary>
internal sealed class DnssecMetrics : IDisposable
{
    private readonly Meter _meter;

    /// <summary>Creates the instruments of <paramref name="pipeline"/>'s signing, through the server's meter factory.</summary>
    public DnssecMetrics(QueryPipeline pipeline, IMeterFactory meterFactory)
    {
        var cache = pipeline.Signatures;
        _meter = meterFactory.Create(DnsMetrics.MeterName);
        _meter.CreateObservableCounter("scriptable.dnssec.signatures", () => cache.Signed, "{signature}", "RRSIGs made (cache misses that signed).");
        _meter.CreateObservableCounter("scriptable.dnssec.signing.duration", () => cache.SigningSeconds, "s", "Time spent making RRSIGs.");
        _meter.CreateObservableCounter("scriptable.dnssec.cache.hits", () => pipeline.Sum(c => c.SignatureHits), "{lookup}", "RRSIGs served from the signature cache.");
        _meter.CreateObservableCounter("scriptable.dnssec.cache.misses", () => pipeline.Sum(c => c.SignatureMisses), "{lookup}", "RRSIGs not in the signature cache.");
        _meter.CreateObservableGauge("scriptable.dnssec.cache.entries", () => cache.Count, "{signature}", "RRSIGs held by the signature cache.");
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
