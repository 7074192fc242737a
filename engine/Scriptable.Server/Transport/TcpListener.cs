using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Pipeline;

namespace Scriptable.Server.Transport;

/// <summary>
/// Serves DNS over TCP on one address (RFC 7766; the limits of RFC 9210 section 4): accepts connections into a
/// <see cref="TcpConnectionTable"/> (a total and a per-client limit; when full, the connection longest without
/// a complete message makes room), serves each with a <see cref="TcpConnection"/>, and sweeps the table for
/// deadlines: idle from the last complete message, message from its first octet, send from its start.
/// </summary>
internal sealed partial class TcpListener : IAsyncDisposable
{
    private static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AcceptPause = TimeSpan.FromMilliseconds(100);

    private readonly Socket _listener;
    private readonly ILogger _logger;
    private readonly TcpConnectionTable _table;
    private readonly SemaphoreSlim _sockets;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<TcpConnection, Task> _running = new();
    private readonly List<(TcpConnection Connection, TcpPhase Phase)> _expired = [];
    private readonly LogThrottle _tableFullLog = new(LogEvery);
    private readonly LogThrottle _clientLimitLog = new(LogEvery);
    private readonly LogThrottle _evictedLog = new(LogEvery);
    private readonly LogThrottle _timedOutLog = new(LogEvery);
    private readonly LogThrottle _badFrameLog = new(LogEvery);
    private readonly LogThrottle _acceptPausedLog = new(LogEvery);
    private Task _acceptLoop = Task.CompletedTask;
    private Task _sweepLoop = Task.CompletedTask;

    /// <summary>Binds and listens (port 0 picks a free port).</summary>
    public TcpListener(IPEndPoint endPoint, QueryPipeline pipeline, TcpSettings settings, TcpCounters counters, ILogger logger)
    {
        Pipeline = pipeline;
        Settings = settings;
        Counters = counters;
        _logger = logger;
        _table = new TcpConnectionTable(settings.MaxConnections, settings.MaxConnectionsPerClient);

        // A connection taken out of the table keeps its socket until its loop has run down: those count
        // here, so that a burst of evictions cannot open more descriptors than the table plus a sixteenth.
        _sockets = new SemaphoreSlim(settings.MaxConnections + Math.Max(16, settings.MaxConnections / 16));
        _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                _listener.DualMode = false;
            }

            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(endPoint);
            _listener.Listen(512);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        ListenAddressText = Configuration.ListenAddress.Format(LocalEndPoint);
    }

    /// <summary>The bound address.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Connections open now.</summary>
    public int OpenConnections => _table.Count;

    /// <summary>The limits and timeouts.</summary>
    public TcpSettings Settings { get; }

    /// <summary>The query pipeline connections answer with.</summary>
    public QueryPipeline Pipeline { get; }

    /// <summary>What happened to connections (shared by the server's listeners).</summary>
    public TcpCounters Counters { get; }

    private string ListenAddressText { get; }

    /// <summary>Starts accepting connections and sweeping deadlines.</summary>
    public void Start()
    {
        if (Settings.OpenFileLimit is { } limit)
        {
            LogLoweredByFileLimit(ListenAddressText, Settings.MaxConnections, Settings.ConfiguredMaxConnections, limit);
        }

        _acceptLoop = AcceptLoopAsync();
        _sweepLoop = SweepLoopAsync();
    }

    /// <summary>Stops accepting, closes every connection and waits for their loops.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        await _sweepLoop.ConfigureAwait(false);
        foreach (var connection in _table.TakeAll())
        {
            connection.Close(TcpCloseReason.Shutdown, reset: false);
        }

        await Task.WhenAll(_running.Values).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var connection in _running.Keys)
        {
            // Still running after 5 s (a policy stuck in a query): its socket goes all the same.
            connection.Close(TcpCloseReason.Shutdown, reset: true);
        }

        _stopping.Dispose();
    }

    /// <summary>Called by a connection's loop when it has ended: out of the table, counted.</summary>
    internal void OnEnded(TcpConnection connection)
    {
        _table.Remove(connection);
        Counters.CountClosed(connection.Reason ?? TcpCloseReason.Client);
        _running.TryRemove(connection, out _);
        ReleaseSocket();
    }

    /// <summary>Called by a connection's loop on a frame that cannot be a message.</summary>
    internal void OnBadFrame(TcpConnection connection, int length)
    {
        if (_logger.IsEnabled(LogLevel.Debug) && _badFrameLog.ShouldLog(out var held))
        {
            LogBadFrame(length, connection.Client.ToString(), ListenAddressText, held);
        }
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                // Wait for a socket to be closed when too many are still open; the kernel queues new ones.
                await _sockets.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            try
            {
                client = await _listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                ReleaseSocket();
                // Out of file descriptors or memory: accepting again at once would fail again at once, in a
                // loop that takes a core. Pause, as NSD and Knot do; the kernel keeps the pending connections.
                if (_acceptPausedLog.ShouldLog(out var held))
                {
                    LogAcceptPaused(ex.SocketErrorCode, ListenAddressText, held);
                }

                try
                {
                    await Task.Delay(AcceptPause, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }
            catch (SocketException ex)
            {
                // Aborted handshakes and the like: the listener itself is fine.
                ReleaseSocket();
                LogAcceptFailed(ex.SocketErrorCode);
                continue;
            }

            Admit(client);
        }
    }

    private void Admit(Socket client)
    {
        IPEndPoint peer;
        try
        {
            peer = (IPEndPoint)client.RemoteEndPoint!;
        }
        catch (SocketException)
        {
            // Reset before we got to it.
            client.Dispose();
            ReleaseSocket();
            return;
        }

        var ip = peer.Address.IsIPv4MappedToIPv6 ? peer.Address.MapToIPv4() : peer.Address;
        Span<byte> address = stackalloc byte[16];
        ip.TryWriteBytes(address, out var length);
        address = address[..length];
        var key = TcpClientKey.From(address, Settings.ClientIPv4Prefix, Settings.ClientIPv6Prefix);
        var connection = new TcpConnection(this, client, address, peer.Port, key, Environment.TickCount64);
        var refusal = _table.TryAdd(connection, out var evicted, out var evictedPhase);
        if (refusal is { } reason)
        {
            Refuse(client, reason, key);
            return;
        }

        if (evicted is not null)
        {
            // An idle one is closed gracefully; one holding a message back or not reading is reset.
            evicted.Close(TcpCloseReason.Evicted, reset: evictedPhase != TcpPhase.Idle);
            if (_evictedLog.ShouldLog(out var held))
            {
                LogEvicted(Settings.MaxConnections, ListenAddressText, Describe(evictedPhase), evicted.Client.ToString(), held);
            }
        }

        Counters.CountAccepted();
        client.NoDelay = true;
        _running[connection] = connection.Ended;

        // On the thread pool, not here: a client whose first queries are already in would be served by the
        // accept loop itself, and keep it from accepting.
        ThreadPool.UnsafeQueueUserWorkItem(static connection => _ = connection.RunAsync(), connection, preferLocal: false);
    }

    private void Refuse(Socket client, TcpRefusal reason, TcpClientKey key)
    {
        Counters.CountRefused(reason);
        if (reason == TcpRefusal.ClientLimit)
        {
            if (_clientLimitLog.ShouldLog(out var held))
            {
                LogClientLimit(key.ToString(), Settings.MaxConnectionsPerClient, ListenAddressText, held);
            }
        }
        else if (_tableFullLog.ShouldLog(out var held))
        {
            LogConnectionLimit(Settings.MaxConnections, ListenAddressText, held);
        }

        // Close at once with a reset: cheaper for both sides than a connection that will never be served.
        try
        {
            client.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }

        client.Dispose();
        ReleaseSocket();
    }

    /// <summary>Gives back the slot of a socket now closed (or never opened).</summary>
    private void ReleaseSocket() => _sockets.Release();

    private async Task SweepLoopAsync()
    {
        using var timer = new PeriodicTimer(Settings.SweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                Sweep();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Closes every connection past its deadline: gracefully when idle, with a reset when it held a message back or did not read.</summary>
    private void Sweep()
    {
        _expired.Clear();
        _table.TakeExpired(Environment.TickCount64, _expired);
        foreach (var (connection, phase) in _expired)
        {
            var reason = phase switch
            {
                TcpPhase.Idle => TcpCloseReason.IdleTimeout,
                TcpPhase.Reading => TcpCloseReason.MessageTimeout,
                TcpPhase.Sending => TcpCloseReason.SendTimeout,
                // Closing after a bad frame: the reason is already set, the linger is over.
                _ => TcpCloseReason.BadFrame,
            };
            connection.Close(reason, reset: phase != TcpPhase.Idle);
            if (phase is TcpPhase.Reading or TcpPhase.Sending && _logger.IsEnabled(LogLevel.Debug) && _timedOutLog.ShouldLog(out var held))
            {
                LogTimedOut(connection.Client.ToString(), ListenAddressText, Describe(phase), held);
            }
        }

        _expired.Clear();
    }

    private static string Describe(TcpPhase phase) => phase switch
    {
        TcpPhase.Idle => "idle",
        TcpPhase.Reading => "a message arriving too slowly",
        TcpPhase.Sending => "answers the client did not read",
        _ => "closing",
    };
}
