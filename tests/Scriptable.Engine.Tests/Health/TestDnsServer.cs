using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Scriptable.Engine.Tests.Health;

/// <summary>How the test DNS server replies.</summary>
public enum DnsBehaviour
{
    /// <summary>NOERROR with one A record.</summary>
    Answer,

    /// <summary>NOERROR with an empty answer section.</summary>
    NoData,

    /// <summary>SERVFAIL.</summary>
    ServFail,

    /// <summary>A reply with the wrong id first (to be ignored), then the right answer.</summary>
    WrongIdFirst,

    /// <summary>No reply at all.</summary>
    Silent,
}

/// <summary>A tiny UDP DNS responder on 127.0.0.1 (port 0): echoes the question and replies as told.</summary>
public sealed class TestDnsServer : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _queries;

    public TestDnsServer(DnsBehaviour behaviour = DnsBehaviour.Answer)
    {
        Behaviour = behaviour;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _loop = RunAsync();
    }

    public DnsBehaviour Behaviour { get; set; }

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public int Queries => Volatile.Read(ref _queries);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var buffer = new byte[512];
        while (!_stop.IsCancellationRequested)
        {
            var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            Interlocked.Increment(ref _queries);
            var query = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            switch (Behaviour)
            {
                case DnsBehaviour.Silent:
                    continue;
                case DnsBehaviour.WrongIdFirst:
                    var wrong = Reply(query, 0, 1);
                    BinaryPrimitives.WriteUInt16BigEndian(wrong, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(query) ^ 0xFFFF));
                    await _socket.SendToAsync(wrong, SocketFlags.None, received.RemoteEndPoint);
                    await _socket.SendToAsync(Reply(query, 0, 1), SocketFlags.None, received.RemoteEndPoint);
                    break;
                default:
                    var (rcode, answers) = Behaviour switch
                    {
                        DnsBehaviour.NoData => (0, 0),
                        DnsBehaviour.ServFail => (2, 0),
                        _ => (0, 1),
                    };
                    await _socket.SendToAsync(Reply(query, rcode, answers), SocketFlags.None, received.RemoteEndPoint);
                    break;
            }
        }
    }

    /// <summary>The reply to a query: its header and question, QR and AA set, and an A record 192.0.2.1 if asked.</summary>
    private static byte[] Reply(byte[] query, int rcode, int answers)
    {
        var reply = new List<byte>(query);
        var flags = (ushort)(0x8000 | 0x0400 | rcode);
        reply[2] = (byte)(flags >> 8);
        reply[3] = (byte)flags;
        reply[6] = 0;
        reply[7] = (byte)answers;
        reply[10] = 0;
        reply[11] = 0;
        if (answers > 0)
        {
            reply.AddRange([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
        }

        return [.. reply];
    }
}
