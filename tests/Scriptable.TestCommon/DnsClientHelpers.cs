using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Scriptable.TestCommon;

/// <summary>Sends raw packets over real sockets.</summary>
public static class DnsWire
{
    /// <summary>Sends one datagram and waits for one answer; null on timeout.</summary>
    public static async Task<byte[]?> UdpAsync(IPEndPoint server, byte[] query, int timeoutMs = 2000)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server);
        await socket.SendAsync(query, SocketFlags.None);
        var buffer = new byte[65535];
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            var received = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return buffer[..received];
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Opens a TCP connection to the server.</summary>
    public static async Task<Socket> ConnectTcpAsync(IPEndPoint server)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server);
        return socket;
    }

    /// <summary>A length-prefixed frame.</summary>
    public static byte[] Frame(byte[] message)
    {
        var frame = new byte[message.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)message.Length);
        message.CopyTo(frame, 2);
        return frame;
    }

    /// <summary>Reads one length-prefixed message; null if the server closed the connection.</summary>
    public static async Task<byte[]?> ReadFrameAsync(Socket socket, int timeoutMs = 5000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        var prefix = new byte[2];
        if (!await ReadExactlyAsync(socket, prefix, cts.Token))
        {
            return null;
        }

        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        return await ReadExactlyAsync(socket, message, cts.Token) ? message : null;
    }

    /// <summary>One query over a new TCP connection.</summary>
    public static async Task<byte[]> TcpAsync(IPEndPoint server, byte[] query)
    {
        using var socket = await ConnectTcpAsync(server);
        await socket.SendAsync(Frame(query), SocketFlags.None);
        return await ReadFrameAsync(socket) ?? throw new InvalidOperationException("The server closed the connection without answering.");
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, byte[] buffer, CancellationToken token)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, token);
            if (read == 0)
            {
                return false;
            }

            filled += read;
        }

        return true;
    }
}
