using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Pipeline;

namespace Scriptable.Server.Transport;

/// <summary>
/// Serves DNS over UDP on one address: one blocking receive loop per thread, each on its own SO_REUSEPORT
/// socket so the kernel spreads clients across cores (measured 1.5x faster than async receive on Linux, see
/// DESIGN.md). Each loop owns its query context and buffers: nothing is allocated per query.
/// </summary>
internal sealed partial class UdpListener : IDisposable
{
    private const int SolSocket = 1;
    private const int SoReusePort = 15;
    private const int MaxDatagram = 65535;

    private readonly QueryPipeline _pipeline;
    private readonly ILogger _logger;
    private readonly List<Socket> _sockets = [];
    private readonly List<Thread> _threads = [];
    private volatile bool _stopping;

    /// <summary>Binds the sockets (port 0 picks a free port, shared by all of them).</summary>
    public UdpListener(IPEndPoint endPoint, int threads, QueryPipeline pipeline, ILogger logger)
    {
        _pipeline = pipeline;
        _logger = logger;
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
            var socket = _sockets[i % _sockets.Count];
            var thread = new Thread(() => ReceiveLoop(socket))
            {
                IsBackground = true,
                Name = $"dns-udp-{i}",
            };
            _threads.Add(thread);
            thread.Start();
        }
    }

    /// <summary>Closes the sockets, which ends the loops, and waits for them briefly.</summary>
    public void Dispose()
    {
        _stopping = true;
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(2));
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

    private void ReceiveLoop(Socket socket)
    {
        var context = _pipeline.CreateContext();
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

    [LoggerMessage(EventId = 304, EventName = "ReceiveFailed", Level = LogLevel.Debug, Message = "UDP socket error {Error}; the loop goes on.")]
    private partial void LogReceiveFailed(SocketError error);
}
