using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Pipeline;

namespace Scriptable.Server.Observability.Dnstap;

/// <summary>
/// dnstap for the server: <see cref="Capture"/> copies each answered query into a <see cref="RecordQueue"/> on the
/// query path (or drops and counts it when the queue is full), and a thread of its own encodes the records
/// (<see cref="DnstapEncoder"/>) and writes them as Frame Streams to a unix socket, TCP or a file. When the reader
/// goes away, the writer reconnects with backoff (0.1 s doubling to 5 s); the queue fills meanwhile, and further
/// queries are dropped and counted, never delayed.
/// </summary>
internal sealed partial class DnstapWriter : QueryTap, IAsyncDisposable
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(2);

    private readonly RecordQueue _queue;
    private readonly DnstapDestination _destination;
    private readonly DnstapEncoder _encoder;
    private readonly bool _queries;
    private readonly bool _responses;
    private readonly ILogger _logger;
    private Thread? _thread;
    private Socket? _socket;
    private volatile bool _stopping;

    // Frames are encoded into this and written in one call per batch: 256 KiB holds two of the largest DNS messages.
    private readonly byte[] _buffer = new byte[256 * 1024];
    private long _sent;
    private long _connects;
    private long _lastFailureLog = long.MinValue;

    /// <summary>Creates the writer (nothing is opened until <see cref="Start"/>).</summary>
    public DnstapWriter(DnstapConfig config, DnstapDestination destination, ILogger logger, TimeProvider time)
    {
        _destination = destination;
        _logger = logger;
        _queries = config.Queries;
        _responses = config.Responses;
        // Room for the usual UDP response (our EDNS size); larger ones (TCP) grow their record once.
        _queue = new RecordQueue(config.QueueSize, config.Responses ? 1232 : QueryRecord.HeaderSize);
        var identity = string.IsNullOrWhiteSpace(config.Identity) ? Environment.MachineName : config.Identity;
        var version = string.IsNullOrWhiteSpace(config.Version) ? "scriptable " + ProgramVersion() : config.Version;
        _encoder = new DnstapEncoder(identity, version, time);
    }

    /// <summary>Where messages go.</summary>
    public DnstapDestination Destination => _destination;

    /// <summary>Queries not sent: the queue was full, or they were lost with a connection.</summary>
    public long Dropped => _queue.Dropped;

    /// <summary>dnstap messages written (flushed to the socket or file).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Connections made to the reader (files opened).</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <inheritdoc />
    public override void Capture(QueryContext context, long received, long answered)
    {
        var record = _queue.Rent();
        if (record is null)
        {
            return;
        }

        record.CopyFrom(context, received, answered, wholeResponse: _responses);
        _queue.Publish(record);
    }

    /// <summary>Starts the background writer, on a thread of its own.</summary>
    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "dnstap-writer" };
        _thread.Start();
    }

    /// <summary>Sends what is queued, then STOP (and waits for FINISH) within two seconds, and closes.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Complete();
        if (_thread is { } thread)
        {
            var joined = await Task.Run(() => thread.Join(StopTimeout)).ConfigureAwait(false);
            if (!joined)
            {
                // A reader that does not read: give up on it (shutting the socket down ends a blocked send).
                _stopping = true;
                LogGaveUp(_destination.ToString(), StopTimeout.TotalSeconds);
                if (Volatile.Read(ref _socket) is { } socket)
                {
                    try
                    {
                        socket.Shutdown(SocketShutdown.Both);
                    }
                    catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                    {
                    }
                }

                await Task.Run(() => thread.Join(StopTimeout)).ConfigureAwait(false);
            }
        }
    }

    private static string ProgramVersion() =>
        typeof(DnstapWriter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private void Run()
    {
        var backoff = MinBackoff;
        while (!_stopping)
        {
            try
            {
                if (ConnectAndPump())
                {
                    return;
                }

                backoff = MinBackoff;
            }
            catch (Exception ex) when (ex is IOException or SocketException or UnauthorizedAccessException or ObjectDisposedException)
            {
                if (_stopping)
                {
                    return;
                }

                LogFailureThrottled(ex.Message, backoff);
            }

            if (_queue.IsCompleted)
            {
                // Stopping, with nowhere to send what is left.
                return;
            }

            Thread.Sleep(backoff);
            backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
        }
    }

    /// <summary>One connection (or file): opened, handshaken, fed until it breaks (false, or throws) or the queue completes (true).</summary>
    private bool ConnectAndPump()
    {
        Socket? socket = null;
        Stream? raw = null;
        try
        {
            if (_destination.Kind == DnstapDestinationKind.File)
            {
                raw = new FileStream(_destination.Path, FileMode.Create, FileAccess.Write, FileShare.Read, 1);
            }
            else
            {
                socket = _destination.Kind == DnstapDestinationKind.Unix
                    ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                    : new Socket(_destination.EndPoint!.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                Volatile.Write(ref _socket, socket);
                socket.ReceiveTimeout = (int)HandshakeTimeout.TotalMilliseconds;
                socket.SendTimeout = (int)HandshakeTimeout.TotalMilliseconds;
                System.Net.EndPoint endPoint = _destination.Kind == DnstapDestinationKind.Unix ? new UnixDomainSocketEndPoint(_destination.Path) : _destination.EndPoint!;
                // Synchronous: a socket used asynchronously once stays non-blocking, and its synchronous sends then go
                // through the runtime's event loop and thread pool, which costs more than the sending.
                socket.Connect(endPoint);

                raw = new NetworkStream(socket, ownsSocket: false);
                raw.Write(FrameStreams.Control(FrameStreams.Ready, withContentType: true));
                FrameStreams.ReadControl(raw, FrameStreams.Accept);

                // Past the handshake a send waits as long as the reader makes it (the queue absorbs that, then drops).
                socket.SendTimeout = 0;
            }

            raw.Write(FrameStreams.Control(FrameStreams.Start, withContentType: true));
            raw.Flush();
            Interlocked.Increment(ref _connects);
            LogConnected(_destination.ToString());
            return Pump(raw, socket);
        }
        finally
        {
            raw?.Dispose();
            Volatile.Write(ref _socket, null);
            socket?.Dispose();
        }
    }

    private bool Pump(Stream raw, Socket? socket)
    {
        var length = 0;
        var records = 0L;
        var messages = 0L;
        try
        {
            while (true)
            {
                if (!_queue.TryTake(out var record))
                {
                    if (length > 0)
                    {
                        Send(raw, length, messages);
                        (length, records, messages) = (0, 0, 0);
                    }

                    if (_queue.IsCompleted)
                    {
                        raw.Write(FrameStreams.Control(FrameStreams.Stop, withContentType: false));
                        raw.Flush();
                        if (socket is not null)
                        {
                            // FINISH, or the reader closing: either way it has everything.
                            socket.Poll(StopTimeout, SelectMode.SelectRead);
                        }

                        LogStopped(_destination.ToString(), Sent, Dropped);
                        return true;
                    }

                    // On a socket the reader says nothing until FINISH: readable now means it went away.
                    if (socket is not null && socket.Poll(0, SelectMode.SelectRead))
                    {
                        throw new IOException("the reader closed the connection");
                    }

                    _queue.Pause();
                    continue;
                }

                records++;
                try
                {
                    for (var half = 0; half < 2; half++)
                    {
                        var response = half == 1;
                        if (response ? !_responses : !_queries)
                        {
                            continue;
                        }

                        if (!_encoder.TryAppend(record, response, _buffer, ref length))
                        {
                            // The buffer is full: send it (without this record), then this frame fits.
                            Send(raw, length, messages);
                            (length, records, messages) = (0, 1, 0);
                            _encoder.TryAppend(record, response, _buffer, ref length);
                        }

                        messages++;
                    }
                }
                finally
                {
                    _queue.Return(record);
                }
            }
        }
        catch
        {
            _queue.CountLost(records);
            throw;
        }
    }

    /// <summary>Writes the first <paramref name="length"/> octets of the buffer: <paramref name="messages"/> whole frames.</summary>
    private void Send(Stream raw, int length, long messages)
    {
        raw.Write(_buffer, 0, length);
        Interlocked.Add(ref _sent, messages);
    }

    private void LogFailureThrottled(string reason, TimeSpan backoff)
    {
        // One line per burst of failures (a reader down for an hour is not 700 lines), at most one a minute.
        var now = Environment.TickCount64;
        if (now - _lastFailureLog >= 60_000)
        {
            _lastFailureLog = now;
            LogFailed(_destination.ToString(), reason, backoff.TotalSeconds);
        }
    }
}
