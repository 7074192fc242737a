using System.Diagnostics.Metrics;
using Scriptable.Engine.Diagnostics;
using Scriptable.Server.Observability.Dnstap;
using Scriptable.Server.Observability.QueryLog;

namespace Scriptable.Server.Observability;

/// <summary>
/// The instruments of dnstap and the query log in the <c>Scriptable</c> meter (shown by the admin endpoint's
/// <c>/metrics</c>): what was sent or written, and what was dropped because a queue was full. Created only for
/// what is on.
/// </summary>
internal sealed class ObservabilityMetrics : IDisposable
{
    private readonly Meter _meter;

    /// <summary>Creates the instruments of the writers that are on (null: off), in the server's meters.</summary>
    public ObservabilityMetrics(DnstapWriter? dnstap, QueryLogWriter? queryLog, IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(DnsMetrics.MeterName);
        if (dnstap is not null)
        {
            _meter.CreateObservableCounter("scriptable.dnstap.messages", () => dnstap.Sent, "{message}", "dnstap messages written to the reader or file.");
            _meter.CreateObservableCounter("scriptable.dnstap.dropped", () => dnstap.Dropped, "{query}",
                "Queries not sent to dnstap: its queue was full (the reader is slow, stalled or away) or they were lost with a connection.");
            _meter.CreateObservableCounter("scriptable.dnstap.connects", () => dnstap.Connects, "{connection}", "Connections made to the dnstap reader (files opened).");
        }

        if (queryLog is not null)
        {
            _meter.CreateObservableCounter("scriptable.querylog.lines", () => queryLog.Lines, "{line}", "Query log lines written.");
            _meter.CreateObservableCounter("scriptable.querylog.dropped", () => queryLog.Dropped, "{line}", "Query log lines dropped: its queue was full or the output failed.");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
