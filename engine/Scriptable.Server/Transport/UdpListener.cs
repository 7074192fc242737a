using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Containment;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Pipeline;
using static Scriptable.Server.Transport.LinuxBatchSocket;

namespace Scriptable.Server.Transport;

/// <summary>
/// Serves DNS over UDP on one address: one blocking receive loop per thread, each on its own SO_REUSEPORT
/// socket so the kernel spreads clients across cores (measured 1.5x faster than async receive on Linux, see
/// DESIGN.md). On Linux each loop takes and answers queries in batches (recvmmsg/sendmmsg). Each loop owns
/// its query context and buffers: nothing is allocated per query.
/// </summary>
internal sealed unsafe partial class UdpListener : IDisposable
{
    private const int SolSocket = 1;
    private const int SoReusePort = 15;
    private const int SoRcvTimeo = 20;
    private const int MaxDatagram = 65535;
    private const int Batch = 32;

    private readonly QueryPipeline _pipeline;
    private readonly ILogger _logger;
    private readonly List<Socket> _sockets = [];
    private readonly List<LoopHandle> _loops = [];
    private readonly bool _batched;
    private readonly int _maxResponse;
    private volatile bool _stopping;

    /// <summary>
    /// Binds the sockets (port 0 picks a free port, shared by all of them). <paramref name="maxResponse"/> is
    /// the largest UDP answer the pipeline may write (our EDNS buffer size).
    /// </summary>
    public UdpListener(IPEndPoint endPoint, int threads, int maxResponse, QueryPipeline pipeline, ILogger logger)
    {
        _pipeline = pipeline;
        _logger = logger;
        _batched = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;
        _maxResponse = Math.Max(512, maxResponse);
        var reusePort = OperatingSystem.IsLinux() && threads > 1;
        var first = CreateSocket(endPoint, reusePort);
        LocalEndPoint = (IPEndPoint)first.LocalEndPoint!;
        _sockets.Add(first);
        if (reusePort)
        {
            for (var i = 1; i < threads; i++)
            {
                _sockets.Add(CreateSocket(LocalEndPoint, reusePort: true));
            }
        }

        SocketCount = _sockets.Count;
        ThreadCount = threads;
        if (_batched)
        {
            foreach (var socket in _sockets)
            {
                // Linux struct timeval of 250 ms: batched loops check the stop flag at this interval when idle.
                socket.SetRawSocketOption(SolSocket, SoRcvTimeo, [0, 0, 0, 0, 0, 0, 0, 0, 0x90, 0xD0, 0x03, 0, 0, 0, 0, 0]);
            }
        }
    }

    /// <summary>The bound address.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Number of sockets bound.</summary>
    public int SocketCount { get; }

    /// <summary>Number of receive loops.</summary>
    public int ThreadCount { get; }

    /// <summary>Starts the receive loops.</summary>
    public void Start()
    {
        for (var i = 0; i < ThreadCount; i++)
        {
            StartLoop(i, 0);
        }
    }

    /// <summary>Loops started to replace one stuck in a policy (the watchdog's doing).</summary>
    public int Replacements { get; private set; }

    /// <summary>Starts receive loop <paramref name="index"/> on its socket: at start, and to replace a stuck one.</summary>
    private void StartLoop(int index, int generation)
    {
        var socket = _sockets[index % _sockets.Count];
        var loop = new LoopHandle(index, generation);

        // Policies run on this thread: it gets their big stack (PolicyThreads).
        var thread = new Thread(() =>
        {
            if (_batched)
            {
                BatchReceiveLoop(socket, loop);
            }
            else
            {
                ReceiveLoop(socket, loop);
            }
        }, Scriptable.Engine.Policies.PolicyThreads.StackBytes)
        {
            IsBackground = true,
            Name = generation == 0 ? $"dns-udp-{index}" : $"dns-udp-{index}-{generation}",
        };
        loop.Thread = thread;
        lock (_loops)
        {
            _loops.Add(loop);
        }

        thread.Start();
    }

    /// <summary>
    /// Called by the watchdog when a loop is stuck in a policy: a fresh loop takes over its socket at once (other
    /// names keep answering); the stuck thread exits when its call returns, without sending its batch's answers.
    /// </summary>
    private void Replace(LoopHandle loop)
    {
        if (loop.Abandoned)
        {
            return;
        }

        loop.Abandoned = true;
        if (!_stopping)
        {
            Replacements++;
            StartLoop(loop.Index, loop.Generation + 1);
        }
    }

    /// <summary>
    /// The query context of a loop, with its journal slot attached to the loop's thread: the watchdog lowers that
    /// thread's priority and calls <see cref="Replace"/> if it gets stuck.
    /// </summary>
    private QueryContext CreateContext(LoopHandle loop)
    {
        var context = _pipeline.CreateContext();
        context.Slot?.Attach(Scriptable.Engine.Policies.PolicyThreads.CurrentOsThreadId(), () => Replace(loop));
        return context;
    }

    /// <summary>Ends the loops and closes the sockets.</summary>
    public void Dispose()
    {
        _stopping = true;
        if (_batched)
        {
            // Batched loops are woken by shutdown (Linux wakes readers even on an unconnected UDP socket,
            // though it reports ENOTCONN), or else by their receive timeout; the socket is closed only once
            // no system call can still be using its descriptor.
            foreach (var socket in _sockets)
            {
                try
                {
                    socket.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                }
            }

            JoinLoops();
        }

        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        // Portable loops are woken by the close itself.
        JoinLoops();
    }

    private void JoinLoops()
    {
        List<LoopHandle> loops;
        lock (_loops)
        {
            loops = [.. _loops];
        }

        foreach (var loop in loops)
        {
            // A loop stuck in a policy is not waited for: it exits when (if) its call returns.
            if (!loop.Abandoned)
            {
                loop.Thread!.Join(TimeSpan.FromSeconds(2));
            }
        }
    }

    private static Socket CreateSocket(IPEndPoint endPoint, bool reusePort)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            if (reusePort)
            {
                socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            }

            socket.ReceiveBufferSize = 4 * 1024 * 1024;
            socket.SendBufferSize = 4 * 1024 * 1024;
            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void ReceiveLoop(Socket socket, LoopHandle loop)
    {
        var context = CreateContext(loop);
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var address = SocketAddressReader.Create(socket.AddressFamily);
        Span<byte> client = stackalloc byte[16];
        while (!_stopping)
        {
            int received;
            try
            {
                received = socket.ReceiveFrom(buffer, SocketFlags.None, address);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                if (_stopping)
                {
                    break;
                }

                // ICMP errors from earlier sends surface here on some systems; the loop goes on.
                LogReceiveFailed(ex.SocketErrorCode);
                continue;
            }

            context.Reset(buffer, 0, received, DnsTransport.Udp);
            var length = SocketAddressReader.ReadAddress(address, client, out var port);
            context.SetClient(client[..length], port);
            var responseLength = _pipeline.Process(context);
            if (loop.Abandoned)
            {
                // Stuck in a policy and replaced: the fresh loop serves this socket now.
                break;
            }

            if (responseLength == 0)
            {
                continue;
            }

            try
            {
                socket.SendTo(context.Response.AsSpan(0, responseLength), SocketFlags.None, address);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                LogReceiveFailed(ex.SocketErrorCode);
            }
        }

        _pipeline.ReleaseContext(context);
    }

    // Optimized from the first call: the loop never returns, so tiering would only reach it through OSR.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BatchReceiveLoop(Socket socket, LoopHandle loop)
    {
        var context = CreateContext(loop);
        var added = false;
        socket.SafeHandle.DangerousAddRef(ref added);
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        var receiveBuffer = GC.AllocateUninitializedArray<byte>(Batch * MaxDatagram, pinned: true);
        var sendBuffer = GC.AllocateUninitializedArray<byte>(Batch * _maxResponse, pinned: true);
        var native = (byte*)NativeMemory.AllocZeroed((nuint)(Batch * (AddressSize + (2 * sizeof(IoVec)) + (2 * sizeof(MMsgHdr)))));
        var addresses = native;
        var receiveIov = (IoVec*)(addresses + (Batch * AddressSize));
        var sendIov = receiveIov + Batch;
        var receiveMessages = (MMsgHdr*)(sendIov + Batch);
        var sendMessages = receiveMessages + Batch;
        Span<byte> client = stackalloc byte[16];
        try
        {
            // fixed, not a pointer taken once: it keeps both arrays reachable for the whole loop. Optimized
            // code otherwise ends a local's life at its last use, and the GC frees a pinned array no longer
            // referenced while the kernel and this loop still write into it.
            fixed (byte* receiveBase = receiveBuffer, sendBase = sendBuffer)
            {
                while (!_stopping)
                {
                    for (var i = 0; i < Batch; i++)
                    {
                        receiveIov[i] = new IoVec { Base = receiveBase + (i * MaxDatagram), Length = MaxDatagram };
                        receiveMessages[i] = new MMsgHdr { Header = new MsgHdr { Name = addresses + (i * AddressSize), NameLength = AddressSize, Iov = receiveIov + i, IovLength = 1 } };
                    }

                    var received = recvmmsg(fd, receiveMessages, Batch, MsgWaitForOne, null);
                    if (received <= 0)
                    {
                        var error = Marshal.GetLastPInvokeError();
                        if (received < 0 && error is not (Eagain or Eintr) && !_stopping)
                        {
                            LogReceiveFailed((SocketError)error);
                        }

                        continue;
                    }

                    var pending = 0;
                    for (var i = 0; i < received; i++)
                    {
                        ref var message = ref receiveMessages[i];
                        if ((message.Header.Flags & MsgTrunc) != 0)
                        {
                            // Larger than any DNS message can be.
                            continue;
                        }

                        context.Reset(receiveBuffer, i * MaxDatagram, (int)message.Length, DnsTransport.Udp);
                        var length = ReadAddress((byte*)message.Header.Name, client, out var port);
                        context.SetClient(client[..length], port);
                        var responseLength = _pipeline.Process(context);
                        if (loop.Abandoned)
                        {
                            // Stuck in a policy and replaced: the fresh loop serves this socket now, and this
                            // batch's answers are long overdue (clients have retried).
                            return;
                        }

                        if (responseLength == 0 || responseLength > _maxResponse)
                        {
                            continue;
                        }

                        var slot = sendBase + (pending * _maxResponse);
                        context.Response.AsSpan(0, responseLength).CopyTo(new Span<byte>(slot, responseLength));
                        sendIov[pending] = new IoVec { Base = slot, Length = (nuint)responseLength };
                        sendMessages[pending] = new MMsgHdr { Header = new MsgHdr { Name = message.Header.Name, NameLength = message.Header.NameLength, Iov = sendIov + pending, IovLength = 1 } };
                        pending++;
                    }

                    for (var sent = 0; sent < pending;)
                    {
                        var count = sendmmsg(fd, sendMessages + sent, (uint)(pending - sent), 0);
                        if (count > 0)
                        {
                            sent += count;
                        }
                        else if (Marshal.GetLastPInvokeError() != Eintr)
                        {
                            // This datagram cannot be sent (the error is the first message's): skip it, send the rest.
                            LogReceiveFailed((SocketError)Marshal.GetLastPInvokeError());
                            sent++;
                        }
                    }
                }
            }
        }
        finally
        {
            NativeMemory.Free(native);
            if (added)
            {
                socket.SafeHandle.DangerousRelease();
            }

            _pipeline.ReleaseContext(context);
        }
    }

    /// <summary>Reads a native <c>sockaddr_in</c> or <c>sockaddr_in6</c>.</summary>
    private static int ReadAddress(byte* address, Span<byte> destination, out int port)
    {
        var raw = new ReadOnlySpan<byte>(address, AddressSize);
        port = BinaryPrimitives.ReadUInt16BigEndian(raw[2..]);
        if (BitConverter.ToUInt16(raw) == 2)
        {
            raw.Slice(4, 4).CopyTo(destination);
            return 4;
        }

        raw.Slice(8, 16).CopyTo(destination);
        return 16;
    }

    [LoggerMessage(EventId = EventIds.ReceiveFailed, EventName = nameof(EventIds.ReceiveFailed), Level = LogLevel.Debug, Message = "UDP socket error {Error}; the loop goes on.")]
    private partial void LogReceiveFailed(SocketError error);

    /// <summary>One receive loop: its index (which socket), how many stuck loops came before it, and whether the watchdog replaced it.</summary>
    private sealed class LoopHandle(int index, int generation)
    {
        private volatile bool _abandoned;

        public int Index { get; } = index;

        public int Generation { get; } = generation;

        public Thread? Thread { get; set; }

        /// <summary>Set by the watchdog's call to <see cref="Replace"/>; the loop checks it after every query.</summary>
        public bool Abandoned
        {
            get => _abandoned;
            set => _abandoned = value;
        }
    }
}
