using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Pipeline;

namespace Scriptable.Server.Transport;

/// <summary>
/// Serves DNS over TCP on one address (RFC 7766): two-octet length-prefixed messages, pipelined queries
/// answered in order (responses to a burst go out in one send), an idle timeout, a connection limit, and
/// every connection closed by us as soon as the client closes its side, so none lingers in CLOSE_WAIT.
/// </summary>
internal sealed partial class TcpListener : IAsyncDisposable
{
    private const int MaxFrame = 2 + QueryContext.MaxMessageSize;
    private const int InitialBuffer = 4096;

    private readonly Socket _listener;
    private readonly QueryPipeline _pipeline;
    private readonly ILogger _logger;
    private readonly TimeSpan _idleTimeout;
    private readonly int _maxConnections;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _lastLimitLog;

    /// <summary>Binds and listens (port 0 picks a free port).</summary>
    public TcpListener(IPEndPoint endPoint, QueryPipeline pipeline, TimeSpan idleTimeout, int maxConnections, ILogger logger)
    {
        _pipeline = pipeline;
        _logger = logger;
        _idleTimeout = idleTimeout;
        _maxConnections = maxConnections;
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
    }

    /// <summary>The bound address.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Connections open now.</summary>
    public int OpenConnections => _connections.Count;

    /// <summary>Starts accepting connections.</summary>
    public void Start() => _acceptLoop = AcceptLoopAsync();

    /// <summary>Stops accepting, closes every connection and waits for their handlers.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var socket in _connections.Keys)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_connections.Values).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
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
            catch (SocketException ex)
            {
                // Aborted handshakes and the like: the listener itself is fine.
                LogAcceptFailed(ex.SocketErrorCode);
                continue;
            }

            if (_connections.Count >= _maxConnections)
            {
                RefuseConnection(client);
                continue;
            }

            client.NoDelay = true;
            var handler = new TaskCompletionSource();
            _connections[client] = handler.Task;
            _ = HandleAsync(client, handler);
        }
    }

    private void RefuseConnection(Socket client)
    {
        var now = Environment.TickCount64;
        if (_lastLimitLog == 0 || now - _lastLimitLog > 10_000)
        {
            _lastLimitLog = now;
            LogConnectionLimit(_maxConnections, ListenAddressText);
        }

        // Close at once with a reset: cheaper for both sides than a connection that will never be served.
        client.LingerState = new LingerOption(true, 0);
        client.Dispose();
    }

    private string ListenAddressText => Configuration.ListenAddress.Format(LocalEndPoint);

    private async Task HandleAsync(Socket socket, TaskCompletionSource done)
    {
        var context = _pipeline.CreateContext();
        // Most messages are small: buffers start small and grow to a full frame only when one arrives.
        var input = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        var output = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        try
        {
            var peer = (IPEndPoint)socket.RemoteEndPoint!;
            context.SetClient(peer);
            var peerAddress = context.ClientAddress.ToArray();
            var filled = 0;
            while (true)
            {
                // Answer every complete message already received, then send the answers together.
                var start = 0;
                var pending = 0;
                while (filled - start >= 2)
                {
                    var length = BinaryPrimitives.ReadUInt16BigEndian(input.AsSpan(start));
                    if (filled - start - 2 < length)
                    {
                        break;
                    }

                    if (length < 12)
                    {
                        // Not even a header: nothing sensible can follow on this stream.
                        return;
                    }

                    context.Reset(input, start + 2, length, DnsTransport.Tcp);
                    context.SetClient(peerAddress, peer.Port);
                    start += 2 + length;
                    var responseLength = _pipeline.Process(context);
                    if (responseLength == 0)
                    {
                        return;
                    }

                    if (pending + 2 + responseLength > output.Length)
                    {
                        await SendAsync(socket, output.AsMemory(0, pending), idle).ConfigureAwait(false);
                        pending = 0;
                        if (2 + responseLength > output.Length)
                        {
                            Grow(ref output, MaxFrame, 0);
                        }
                    }

                    BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(pending), (ushort)responseLength);
                    context.Response.AsSpan(0, responseLength).CopyTo(output.AsSpan(pending + 2));
                    pending += 2 + responseLength;
                }

                if (pending > 0)
                {
                    await SendAsync(socket, output.AsMemory(0, pending), idle).ConfigureAwait(false);
                }

                // Keep the partial message, read more; make room for the whole of a large one.
                if (start > 0)
                {
                    input.AsSpan(start, filled - start).CopyTo(input);
                    filled -= start;
                }

                if (filled >= 2 && 2 + BinaryPrimitives.ReadUInt16BigEndian(input) > input.Length)
                {
                    Grow(ref input, MaxFrame, filled);
                }

                idle.CancelAfter(_idleTimeout);
                var read = await socket.ReceiveAsync(input.AsMemory(filled), SocketFlags.None, idle.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    // The client closed its side: everything complete was answered above.
                    return;
                }

                filled += read;
            }
        }
        catch (OperationCanceledException)
        {
            // Idle timeout or shutdown.
        }
        catch (SocketException)
        {
            // Reset by the peer.
        }
        catch (ObjectDisposedException)
        {
            // Closed by DisposeAsync.
        }
        finally
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }

            socket.Dispose();
            _connections.TryRemove(socket, out _);
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
            _pipeline.ReleaseContext(context);
            done.TrySetResult();
        }
    }

    private static void Grow(ref byte[] buffer, int size, int keep)
    {
        var larger = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, keep).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = larger;
    }

    private static async ValueTask SendAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationTokenSource idle)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, idle.Token).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    [LoggerMessage(EventId = EventIds.TcpConnectionLimit, EventName = nameof(EventIds.TcpConnectionLimit), Level = LogLevel.Warning,
        Message = "TCP connection limit {Limit} reached on {Address}; new connections are closed at once (logged once per 10 s).")]
    private partial void LogConnectionLimit(int limit, string address);

    [LoggerMessage(EventId = EventIds.AcceptFailed, EventName = nameof(EventIds.AcceptFailed), Level = LogLevel.Debug, Message = "TCP accept failed with {Error}.")]
    private partial void LogAcceptFailed(SocketError error);
}
