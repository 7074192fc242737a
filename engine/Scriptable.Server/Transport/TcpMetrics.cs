using System.Diagnostics.Metrics;
using Scriptable.Engine.Diagnostics;

namespace Scriptable.Server.Transport;

/// <summary>
/// The TCP instruments of the <c>Scriptable</c> meter, observed from <see cref="TcpCounters"/> when a listener
/// collects, so the connection path only increments counters.
/// </summary>
internal sealed class TcpMetrics : IDisposable
{
    private static readonly string[] RefusalNames = ["client_limit", "table_full"];
    private static readonly string[] CloseNames = ["client", "idle_timeout", "message_timeout", "send_timeout", "evicted", "bad_frame", "shutdown"];

    private readonly Meter _meter;

    /// <summary>Creates the instruments over <paramref name="counters"/>; <paramref name="open"/> counts open connections.</summary>
    public TcpMetrics(TcpCounters counters, Func<int> open, IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(DnsMetrics.MeterName) ?? new Meter(DnsMetrics.MeterName);
        _meter.CreateObservableUpDownCounter("scriptable.tcp.connections.open", open, "{connection}", "TCP connections open now.");
        _meter.CreateObservableCounter("scriptable.tcp.connections.accepted", () => counters.Accepted, "{connection}", "TCP connections accepted.");
        _meter.CreateObservableCounter("scriptable.tcp.connections.refused", () => Refused(counters), "{connection}",
            "TCP connections refused at once: client_limit (the client holds its limit), table_full (the table was full of connections busy answering).");
        _meter.CreateObservableCounter("scriptable.tcp.connections.closed", () => Closed(counters), "{connection}",
            "TCP connections ended, by tcp.reason: client, idle_timeout, message_timeout, send_timeout, evicted (for a new connection), bad_frame, shutdown.");
    }

    /// <summary>The tag value of a refusal.</summary>
    public static string Name(TcpRefusal reason) => RefusalNames[(int)reason];

    /// <summary>The tag value of a close reason.</summary>
    public static string Name(TcpCloseReason reason) => CloseNames[(int)reason];

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private static List<Measurement<long>> Refused(TcpCounters counters)
    {
        var measurements = new List<Measurement<long>>(RefusalNames.Length);
        foreach (var reason in Enum.GetValues<TcpRefusal>())
        {
            measurements.Add(new Measurement<long>(counters.Refused(reason), new KeyValuePair<string, object?>(TagNames.TcpReason, Name(reason))));
        }

        return measurements;
    }

    private static List<Measurement<long>> Closed(TcpCounters counters)
    {
        var measurements = new List<Measurement<long>>(CloseNames.Length);
        foreach (var reason in Enum.GetValues<TcpCloseReason>())
        {
            measurements.Add(new Measurement<long>(counters.Closed(reason), new KeyValuePair<string, object?>(TagNames.TcpReason, Name(reason))));
        }

        return measurements;
    }
}
