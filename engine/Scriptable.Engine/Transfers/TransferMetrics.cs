using System.Diagnostics.Metrics;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Model;

namespace Scriptable.Engine.Transfers;

/// <summary>
/// The transfer instruments of the <c>Scriptable</c> meter, observed when collected: transfers out by kind, NOTIFYs
/// by result, and each zone's serial.
/// </summary>
public sealed class TransferMetrics : IDisposable
{
    private readonly Meter _meter;

    /// <summary>Creates the instruments over the transfer log, the NOTIFY sender and the snapshot's zones.</summary>
    public TransferMetrics(TransferLog transfers, NotifySender notify, Func<ServerSnapshot> snapshot, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(transfers);
        ArgumentNullException.ThrowIfNull(notify);
        ArgumentNullException.ThrowIfNull(snapshot);
        _meter = meterFactory?.Create(DnsMetrics.MeterName) ?? new Meter(DnsMetrics.MeterName);
        _meter.CreateObservableCounter("scriptable.transfers.out", () => new[]
        {
            Measure(transfers.Count(TransferKind.Full), TagNames.TransferKind, "full"),
            Measure(transfers.Count(TransferKind.Incremental), TagNames.TransferKind, "incremental"),
            Measure(transfers.Count(TransferKind.SoaOnly), TagNames.TransferKind, "soa_only"),
        }, "{transfer}", "Zone transfers sent, by dns.transfer.kind: full (AXFR, or IXFR answered AXFR-style), incremental (IXFR from the journal), soa_only.");
        _meter.CreateObservableCounter("scriptable.notify.sent", () => notify.Sent, "{message}", "NOTIFY messages sent, retries included.");
        _meter.CreateObservableCounter("scriptable.notify.completed", () => new[]
        {
            Measure(notify.Answered, TagNames.NotifyResult, "answered"),
            Measure(notify.Failed, TagNames.NotifyResult, "failed"),
        }, "{notify}", "NOTIFYs that ended, by dns.notify.result: answered (NOERROR), failed (no answer after every try, or an error).");
        _meter.CreateObservableGauge("scriptable.zone.serial", () => snapshot().Zones.Zones.Select(z => Measure(z.Serial, TagNames.Zone, z.Origin.ToString())),
            "{serial}", "Each zone's SOA serial served, by dns.zone.");
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private static Measurement<long> Measure(long value, string tag, string name) => new(value, new KeyValuePair<string, object?>(tag, name));
}
