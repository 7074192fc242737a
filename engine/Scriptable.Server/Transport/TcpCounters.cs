namespace Scriptable.Server.Transport;

/// <summary>
/// What the TCP listeners of a server did with connections, summed over listeners; thread-safe
/// (<see cref="Interlocked"/>). <see cref="TcpMetrics"/> reports them.
/// </summary>
internal sealed class TcpCounters
{
    private long _accepted;
    private readonly long[] _refused = new long[Enum.GetValues<TcpRefusal>().Length];
    private readonly long[] _closed = new long[Enum.GetValues<TcpCloseReason>().Length];

    /// <summary>Connections accepted into the table.</summary>
    public long Accepted => Volatile.Read(ref _accepted);

    /// <summary>Connections refused for <paramref name="reason"/>.</summary>
    public long Refused(TcpRefusal reason) => Volatile.Read(ref _refused[(int)reason]);

    /// <summary>Connections closed for <paramref name="reason"/>.</summary>
    public long Closed(TcpCloseReason reason) => Volatile.Read(ref _closed[(int)reason]);

    /// <summary>Counts an accepted connection.</summary>
    public void CountAccepted() => Interlocked.Increment(ref _accepted);

    /// <summary>Counts a refused connection.</summary>
    public void CountRefused(TcpRefusal reason) => Interlocked.Increment(ref _refused[(int)reason]);

    /// <summary>Counts a closed connection.</summary>
    public void CountClosed(TcpCloseReason reason) => Interlocked.Increment(ref _closed[(int)reason]);
}
