using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Scriptable.Engine.Pipeline;

namespace Scriptable.Server.Transport;

/// <summary>
/// One client connection of a <see cref="TcpListener"/> and the loop serving it (RFC 7766): two-octet
/// length-prefixed messages, answered in order, the answers to what one read brought sent together.
/// <para>
/// Its phase and deadline are published in one field that the listener's sweeper reads: waiting for a
/// message, the idle deadline counts from the last complete message; once a message's first octet is in, the
/// message deadline counts from that octet (later octets do not move it); waiting for the client to take
/// answers, the send deadline counts from the start of the send. The sweeper closes what is past its deadline.
/// </para>
/// <para>
/// Bounded per connection: the input buffer holds one read (4 KiB, grown only as the octets of a larger
/// message arrive, up to that message), and nothing more is read until every message in it is answered and
/// the answers are with the kernel, so a client cannot queue work faster than it takes answers. A query
/// context (64 KiB) is held only while answering, not while idle.
/// </para>
/// </summary>
internal sealed class TcpConnection
{
    /// <summary>A DNS header: a frame shorter than this cannot be a message.</summary>
    private const int HeaderSize = 12;

    private const int InitialBuffer = 4096;

    /// <summary>Messages answered back to back before the loop lets other connections' work run.</summary>
    private const int YieldEvery = 32;

    /// <summary>Octets read and dropped at most after a bad frame, before closing anyway.</summary>
    private const int LingerLimit = 64 * 1024;

    private readonly TcpListener _owner;
    private readonly Socket _socket;
    private readonly byte[] _address;
    private readonly int _port;
    private long _state;
    private long _since;
    private int _reason = -1;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the connection of an accepted socket from <paramref name="address"/> (4 or 16 octets).</summary>
    public TcpConnection(TcpListener owner, Socket socket, ReadOnlySpan<byte> address, int port, TcpClientKey client, long now)
    {
        _owner = owner;
        _socket = socket;
        _address = address.ToArray();
        _port = port;
        Client = client;
        _since = now;
        Enter(TcpPhase.Idle, now + (long)owner.Settings.IdleTimeout.TotalMilliseconds);
    }

    /// <summary>The client it counts against.</summary>
    public TcpClientKey Client { get; }

    /// <summary>Its position in the table (-1 when out of it); the table's lock guards it.</summary>
    public int Index { get; set; } = -1;

    /// <summary>The phase and its deadline (Environment.TickCount64 milliseconds, 0 for none), read together.</summary>
    public (TcpPhase Phase, long Deadline) State
    {
        get
        {
            var state = Volatile.Read(ref _state);
            return ((TcpPhase)(state & 7), state >> 3);
        }
    }

    /// <summary>When it last completed a message (or was accepted): the older, the sooner it is evicted.</summary>
    public long Since => Volatile.Read(ref _since);

    /// <summary>Completes when its loop has ended and it is out of the table.</summary>
    public Task Ended => _ended.Task;

    /// <summary>Why it ended, once it has.</summary>
    public TcpCloseReason? Reason => Volatile.Read(ref _reason) is var reason and >= 0 ? (TcpCloseReason)reason : null;

    /// <summary>
    /// Ends the connection from outside its loop: a timeout, an eviction, the server stopping. The first reason
    /// given is the one counted. A reset frees both sides at once; otherwise the loop sees the end of the stream.
    /// </summary>
    public void Close(TcpCloseReason reason, bool reset)
    {
        SetReason(reason);
        try
        {
            if (reset)
            {
                _socket.LingerState = new LingerOption(true, 0);
                _socket.Dispose();
            }
            else
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Serves the connection until it ends, then takes it out of the table and counts why it ended.</summary>
    public async Task RunAsync()
    {
        var settings = _owner.Settings;
        var idleMs = (long)settings.IdleTimeout.TotalMilliseconds;
        var messageMs = (long)settings.MessageTimeout.TotalMilliseconds;
        var input = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        var filled = 0;
        long messageSince = 0;
        try
        {
            while (true)
            {
                if (filled == 0)
                {
                    Enter(TcpPhase.Idle, Since + idleMs);
                }
                else
                {
                    Enter(TcpPhase.Reading, messageSince + messageMs);
                    if (filled == input.Length)
                    {
                        // A message larger than the buffer, which its octets have filled: grow as they come
                        // (doubling, up to the message), so a length alone never makes us allocate.
                        Swap(ref input, Math.Min(2 * input.Length, 2 + BinaryPrimitives.ReadUInt16BigEndian(input)), filled);
                    }
                }

                var read = await _socket.ReceiveAsync(input.AsMemory(filled), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    // The client closed its side: every complete message was answered before this read.
                    return;
                }

                var readAt = Environment.TickCount64;
                Enter(TcpPhase.Busy, 0);
                if (filled == 0)
                {
                    messageSince = readAt;
                }

                filled += read;
                var (consumed, badLength) = await AnswerAsync(input, filled).ConfigureAwait(false);
                if (badLength >= 0)
                {
                    _owner.OnBadFrame(this, badLength);
                    SetReason(TcpCloseReason.BadFrame);
                    await LingerAsync(input, messageMs).ConfigureAwait(false);
                    return;
                }

                if (consumed > 0)
                {
                    input.AsSpan(consumed, filled - consumed).CopyTo(input);
                    filled -= consumed;
                    Volatile.Write(ref _since, Environment.TickCount64);

                    // What is left arrived with this read: the next message started then.
                    messageSince = readAt;
                    if (input.Length > InitialBuffer && filled <= InitialBuffer - 2
                        && (filled < 2 || 2 + BinaryPrimitives.ReadUInt16BigEndian(input) <= InitialBuffer))
                    {
                        // Back to a small buffer once a large message is done.
                        Swap(ref input, InitialBuffer, filled);
                    }
                }
            }
        }
        catch (SocketException)
        {
            // Reset by the client, or closed under us by a deadline or an eviction.
        }
        catch (ObjectDisposedException)
        {
            // Closed under us.
        }
        finally
        {
            SetReason(TcpCloseReason.Client);
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }

            _socket.Dispose();
            ArrayPool<byte>.Shared.Return(input);
            _owner.OnEnded(this);
            _ended.TrySetResult();
        }
    }

    /// <summary>
    /// Answers every complete message in <paramref name="input"/>[0..<paramref name="filled"/>], in order, and
    /// sends the answers. Returns the octets consumed, and the length of a frame that cannot be a message (-1 if
    /// none); the answers before such a frame are sent all the same. A message the pipeline drops (a response,
    /// QR=1) gets no answer, as over UDP, and the stream goes on.
    /// </summary>
    private async ValueTask<(int Consumed, int BadLength)> AnswerAsync(byte[] input, int filled)
    {
        var pipeline = _owner.Pipeline;
        var start = 0;
        var pending = 0;
        var answered = 0;
        var badLength = -1;
        byte[]? output = null;
        QueryContext? context = null;
        try
        {
            while (filled - start >= 2)
            {
                var length = BinaryPrimitives.ReadUInt16BigEndian(input.AsSpan(start));
                if (length < HeaderSize)
                {
                    badLength = length;
                    break;
                }

                if (filled - start - 2 < length)
                {
                    break;
                }

                context ??= pipeline.CreateContext();
                context.Reset(input, start + 2, length, DnsTransport.Tcp);
                context.SetClient(_address, _port);
                start += 2 + length;
                var responseLength = pipeline.Process(context);
                if (responseLength > 0)
                {
                    byte[]? full = null;
                    var fullCount = 0;
                    if (output is null || pending + 2 + responseLength > output.Length)
                    {
                        // It does not fit behind the answers before it: it starts a fresh buffer, and those are sent.
                        full = output;
                        fullCount = pending;
                        output = ArrayPool<byte>.Shared.Rent(Math.Max(InitialBuffer, 2 + responseLength));
                        pending = 0;
                    }

                    BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(pending), (ushort)responseLength);
                    context.Response.AsSpan(0, responseLength).CopyTo(output.AsSpan(pending + 2));
                    pending += 2 + responseLength;
                    if (full is not null)
                    {
                        try
                        {
                            if (fullCount > 0)
                            {
                                // No context is held while a client takes its time (unless a transfer it started goes on).
                                if (context.Transfer is null)
                                {
                                    Release(ref context);
                                }

                                await SendAsync(full, fullCount).ConfigureAwait(false);
                            }
                        }
                        finally
                        {
                            ArrayPool<byte>.Shared.Return(full);
                        }
                    }
                }

                if (context?.Transfer is not null)
                {
                    // A zone transfer: its first message is in the output; the others follow, one send each.
                    await SendAsync(output!, pending).ConfigureAwait(false);
                    pending = 0;
                    await TransferAsync(context).ConfigureAwait(false);
                }

                if (++answered % YieldEvery == 0)
                {
                    // A long pipeline must not hold a thread from other connections: send what is ready, let them run.
                    Release(ref context);
                    if (pending > 0)
                    {
                        await SendAsync(output!, pending).ConfigureAwait(false);
                        pending = 0;
                    }

                    await Task.Yield();
                }
            }

            Release(ref context);
            if (pending > 0)
            {
                await SendAsync(output!, pending).ConfigureAwait(false);
            }

            return (start, badLength);
        }
        finally
        {
            Release(ref context);
            if (output is not null)
            {
                ArrayPool<byte>.Shared.Return(output);
            }
        }
    }

    /// <summary>Sends the further messages of the zone transfer the context's query started, each under the send deadline.</summary>
    private async ValueTask TransferAsync(QueryContext context)
    {
        var pipeline = _owner.Pipeline;
        var frame = ArrayPool<byte>.Shared.Rent(2 + QueryContext.MaxMessageSize);
        try
        {
            while (pipeline.ContinueTransfer(context) is var length and > 0)
            {
                BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)length);
                context.Response.AsSpan(0, length).CopyTo(frame.AsSpan(2));
                await SendAsync(frame, 2 + length).ConfigureAwait(false);
            }
        }
        finally
        {
            context.Transfer = null;
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    private void Release(ref QueryContext? context)
    {
        if (context is not null)
        {
            _owner.Pipeline.ReleaseContext(context);
            context = null;
        }
    }

    /// <summary>Hands <paramref name="count"/> octets to the kernel under the send deadline.</summary>
    private async ValueTask SendAsync(byte[] output, int count)
    {
        Enter(TcpPhase.Sending, Environment.TickCount64 + (long)_owner.Settings.SendTimeout.TotalMilliseconds);
        var data = output.AsMemory(0, count);
        while (!data.IsEmpty)
        {
            var sent = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
            data = data[sent..];
        }

        Enter(TcpPhase.Busy, 0);
    }

    /// <summary>
    /// Ends the stream after a bad frame without losing the answers already sent: our side is closed first,
    /// then what the client still sends is read and dropped until it closes, the message deadline passes, or
    /// 64 KiB have come. Closing with unread input would reset the connection, and a client's kernel may
    /// drop answers it holds when the reset arrives.
    /// </summary>
    private async Task LingerAsync(byte[] buffer, long messageMs)
    {
        _socket.Shutdown(SocketShutdown.Send);
        Enter(TcpPhase.Closing, Environment.TickCount64 + messageMs);
        var drained = 0;
        while (drained < LingerLimit)
        {
            var read = await _socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            drained += read;
        }
    }

    /// <summary>Publishes the phase and its deadline (0: none) for the sweeper and the table.</summary>
    internal void Enter(TcpPhase phase, long deadline) => Volatile.Write(ref _state, (deadline << 3) | (long)phase);

    private void SetReason(TcpCloseReason reason) => Interlocked.CompareExchange(ref _reason, (int)reason, -1);

    /// <summary>Replaces a pooled buffer by one of at least <paramref name="size"/> octets, keeping the first <paramref name="keep"/>.</summary>
    private static void Swap(ref byte[] buffer, int size, int keep)
    {
        var other = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, keep).CopyTo(other);
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = other;
    }
}
