using System.Collections.Concurrent;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Transfers;

/// <summary>One transfer out, as <c>/zones</c> shows it.</summary>
/// <param name="At">When it ended.</param>
/// <param name="Client">The client's address.</param>
/// <param name="Kind">What it carried.</param>
/// <param name="Serial">The serial sent.</param>
/// <param name="Records">Records sent.</param>
/// <param name="Messages">Messages sent.</param>
public sealed record TransferOut(DateTimeOffset At, string Client, TransferKind Kind, uint Serial, long Records, int Messages);

/// <summary>The last transfer out of each zone, and counts (written when a transfer ends, read by the admin endpoint and the metrics).</summary>
public sealed class TransferLog
{
    private readonly ConcurrentDictionary<DnsName, TransferOut> _last = new();
    private long _full;
    private long _incremental;
    private long _soaOnly;

    /// <summary>The last transfer out of <paramref name="origin"/>, or null.</summary>
    public TransferOut? Last(DnsName origin) => _last.GetValueOrDefault(origin);

    /// <summary>Transfers that ended, by kind.</summary>
    public long Count(TransferKind kind) => kind switch
    {
        TransferKind.Full => Interlocked.Read(ref _full),
        TransferKind.Incremental => Interlocked.Read(ref _incremental),
        _ => Interlocked.Read(ref _soaOnly),
    };

    /// <summary>Records a transfer that ended.</summary>
    public void Add(DnsName origin, TransferOut transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        _last[origin] = transfer;
        switch (transfer.Kind)
        {
            case TransferKind.Full:
                Interlocked.Increment(ref _full);
                break;
            case TransferKind.Incremental:
                Interlocked.Increment(ref _incremental);
                break;
            default:
                Interlocked.Increment(ref _soaOnly);
                break;
        }
    }
}
