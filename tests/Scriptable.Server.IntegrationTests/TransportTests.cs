using System.Globalization;
using System.Net.Sockets;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>UDP and TCP behaviour of the real listeners on loopback.</summary>
public class TransportTests
{
    private static byte[] Query(string name = "www.example.org", ushort type = RecordType.A, ushort id = 0x1234) =>
        RawQuery.Build(name, type, id: id);

    [Fact]
    public async Task Udp_Query_Answered()
    {
        await using var server = await TestServer.StartExampleAsync();
        var response = await server.UdpAsync(Query());
        Assert.NotNull(response);
        Assert.Equal(2, Responses.Parse(response).AnswerRecords.Count);
    }

    [Fact]
    public async Task Udp_IPv6Loopback_Answered()
    {
        Assert.True(TestServer.HasIPv6Loopback, "this machine cannot bind [::1]; IPv6 listening cannot be tested here");
        await using var server = await TestServer.StartExampleAsync(ipv6: true);
        var udp = await DnsWire.UdpAsync(server.Udp6!, Query());
        Assert.NotNull(udp);
        var tcp = await DnsWire.TcpAsync(server.Udp6!, Query());
        Assert.Equal(2, Responses.Parse(tcp).AnswerRecords.Count);
    }

    [Fact]
    public async Task Udp_QueryLargerThan512_Answered()
    {
        await using var server = await TestServer.StartExampleAsync();
        var padded = RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(4096, Options: [(12, new byte[900])]));
        Assert.True(padded.Length > 900);
        var response = await server.UdpAsync(padded);
        Assert.NotNull(response);
        Assert.Equal(ResponseCode.NoError, Responses.HeaderRcode(response));
    }

    [Fact]
    public async Task Udp_GarbageStorm_ServerKeepsAnswering()
    {
        await using var server = await TestServer.StartExampleAsync();
        using var socket = new Socket(server.Udp.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var random = new Random(7);
        for (var i = 0; i < 3000; i++)
        {
            var packet = new byte[random.Next(0, 1500)];
            random.NextBytes(packet);
            if (packet.Length > 3 && i % 3 == 0)
            {
                packet[2] &= 0x7F; // QR=0 so more of them get past the first check
            }

            await socket.SendToAsync(packet, SocketFlags.None, server.Udp);
        }

        var response = await server.UdpAsync(Query(), timeoutMs: 5000);
        Assert.NotNull(response);
        Assert.Equal(2, Responses.Parse(response).AnswerRecords.Count);
        Assert.Equal(0, server.Failures);
    }

    [Fact]
    public async Task Udp_ManyClientsAtOnce_EachGetsItsOwnAnswers()
    {
        // Bursts from several sockets fill the batched receive loops with queries from different clients:
        // every answer must go back to the socket that asked.
        await using var server = await TestServer.StartExampleAsync();
        var clients = Enumerable.Range(0, 4).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)).ToArray();
        try
        {
            var wrong = 0;
            var answered = 0;
            for (var round = 0; round < 40; round++)
            {
                for (var k = 0; k < clients.Length; k++)
                {
                    for (var n = 0; n < 40; n++)
                    {
                        await clients[k].SendToAsync(Query(id: (ushort)((k * 10000) + n)), SocketFlags.None, server.Udp);
                    }
                }

                for (var k = 0; k < clients.Length; k++)
                {
                    var buffer = new byte[2048];
                    for (var n = 0; n < 40; n++)
                    {
                        using var cts = new CancellationTokenSource(2000);
                        var received = await clients[k].ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                        Assert.True(received >= 12);
                        answered++;
                        if (((buffer[0] << 8) | buffer[1]) / 10000 != k)
                        {
                            wrong++;
                        }
                    }
                }
            }

            Assert.Equal(0, wrong);
            Assert.Equal(40 * 40 * clients.Length, answered);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task Tcp_Query_AnsweredInFull()
    {
        await using var server = await TestServer.StartExampleAsync();
        var response = await server.TcpAsync(RawQuery.Build("big.example.org", RecordType.TXT));
        var message = Responses.Parse(response);
        Assert.False(message.IsTruncated);
        Assert.Equal(6, message.AnswerRecords.Count);
    }

    [Fact]
    public async Task Tcp_LargeQueriesBetweenSmallOnes_AllAnswered()
    {
        await using var server = await TestServer.StartExampleAsync();
        using var socket = await DnsWire.ConnectTcpAsync(server.Tcp);
        var large = RawQuery.Build("www.example.org", RecordType.A, id: 2, edns: new Edns(Options: [(12, new byte[60_000])]));
        byte[] burst = [.. DnsWire.Frame(Query(id: 1)), .. DnsWire.Frame(large), .. DnsWire.Frame(Query(id: 3))];
        await socket.SendAsync(burst, SocketFlags.None);
        for (var id = 1; id <= 3; id++)
        {
            var response = await DnsWire.ReadFrameAsync(socket);
            Assert.NotNull(response);
            Assert.Equal(id, Responses.Parse(response).TransactionID);
        }
    }

    [Fact]
    public async Task Tcp_PipelinedQueries_AnsweredInOrder()
    {
        await using var server = await TestServer.StartExampleAsync();
        using var socket = await DnsWire.ConnectTcpAsync(server.Tcp);
        var burst = Enumerable.Range(1, 20).SelectMany(i => DnsWire.Frame(Query(i % 2 == 0 ? "www.example.org" : "nothing.example.org", id: (ushort)i))).ToArray();
        await socket.SendAsync(burst, SocketFlags.None);
        for (var i = 1; i <= 20; i++)
        {
            var response = await DnsWire.ReadFrameAsync(socket);
            Assert.NotNull(response);
            Assert.Equal(i, Responses.Parse(response).TransactionID);
        }
    }

    [Fact]
    public async Task Tcp_FrameSplitAcrossWrites_Answered()
    {
        await using var server = await TestServer.StartExampleAsync();
        using var socket = await DnsWire.ConnectTcpAsync(server.Tcp);
        var frame = DnsWire.Frame(Query());
        await socket.SendAsync(frame.AsMemory(0, 1), SocketFlags.None);
        await Task.Delay(50);
        await socket.SendAsync(frame.AsMemory(1, 10), SocketFlags.None);
        await Task.Delay(50);
        await socket.SendAsync(frame.AsMemory(11), SocketFlags.None);
        var response = await DnsWire.ReadFrameAsync(socket);
        Assert.NotNull(response);
        Assert.Equal(2, Responses.Parse(response).AnswerRecords.Count);
    }

    [Fact]
    public async Task Tcp_HalfClose_PendingQueriesAnsweredThenClosed()
    {
        await using var server = await TestServer.StartExampleAsync();
        using var socket = await DnsWire.ConnectTcpAsync(server.Tcp);
        byte[] both = [.. DnsWire.Frame(Query(id: 1)), .. DnsWire.Frame(Query(id: 2))];
        await socket.SendAsync(both, SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
        Assert.Equal(1, Responses.Parse((await DnsWire.ReadFrameAsync(socket))!).TransactionID);
        Assert.Equal(2, Responses.Parse((await DnsWire.ReadFrameAsync(socket))!).TransactionID);
        Assert.Null(await DnsWire.ReadFrameAsync(socket));
    }

    [Fact]
    public async Task Tcp_ClientCloses_ServerClosesWithoutCloseWait()
    {
        await using var server = await TestServer.StartExampleAsync();
        for (var i = 0; i < 20; i++)
        {
            using var socket = await DnsWire.ConnectTcpAsync(server.Tcp);
            await socket.SendAsync(DnsWire.Frame(Query()), SocketFlags.None);
            Assert.NotNull(await DnsWire.ReadFrameAsync(socket));
        }

        await WaitUntil(() => server.Server.OpenTcpConnections == 0, "connections closed by the server");
        Assert.Equal(0, CountCloseWait(server.Port));
    }

    [Fact]
    public async Task Tcp_IdleConnection_ClosedAfterTimeout()
    {
        await using var server = await TestServer.StartExampleAsync(o => o.TcpIdleTimeoutSeconds = 0.5);
        using var socket = await DnsWire.ConnectTcpAsync(server.Tcp);
        await socket.SendAsync(DnsWire.Frame(Query()), SocketFlags.None);
        Assert.NotNull(await DnsWire.ReadFrameAsync(socket));
        var started = Environment.TickCount64;
        Assert.Null(await DnsWire.ReadFrameAsync(socket, timeoutMs: 5000));
        Assert.InRange(Environment.TickCount64 - started, 300, 4000);
        await WaitUntil(() => server.Server.OpenTcpConnections == 0, "idle connection closed");
    }

    [Fact]
    public async Task Tcp_ConnectionLimit_OldestIdleClosedForNewOneOthersServed()
    {
        await using var server = await TestServer.StartExampleAsync(o => o.TcpMaxConnections = 2);
        using var first = await DnsWire.ConnectTcpAsync(server.Tcp);
        await WaitUntil(() => server.Server.OpenTcpConnections == 1, "first connection accepted");
        using var second = await DnsWire.ConnectTcpAsync(server.Tcp);
        await second.SendAsync(DnsWire.Frame(Query(id: 2)), SocketFlags.None);
        Assert.NotNull(await DnsWire.ReadFrameAsync(second));

        // The table is full: the connection idle longest (the first, which never asked anything) makes room
        // for a connection from another client (this one holds the whole table, its per-client limit).
        using var third = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        third.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.2"), 0));
        await third.ConnectAsync(server.Tcp);
        await third.SendAsync(DnsWire.Frame(Query(id: 3)), SocketFlags.None);
        Assert.Equal(3, Responses.Parse((await DnsWire.ReadFrameAsync(third))!).TransactionID);
        Assert.Null(await DnsWire.ReadFrameAsync(first));
        await second.SendAsync(DnsWire.Frame(Query(id: 4)), SocketFlags.None);
        Assert.Equal(4, Responses.Parse((await DnsWire.ReadFrameAsync(second))!).TransactionID);
        await WaitUntil(() => server.Server.TcpCounters.Closed(Transport.TcpCloseReason.Evicted) == 1, "the eviction counted");
        await WaitUntil(() => server.Logs.Messages.Any(m => m.Contains("table full (2)", StringComparison.Ordinal)), "the eviction logged");
    }

    [Fact]
    public async Task Tcp_FrameShorterThanHeader_ConnectionClosed()
    {
        await using var server = await TestServer.StartExampleAsync();
        using var socket = await DnsWire.ConnectTcpAsync(server.Tcp);
        await socket.SendAsync(new byte[] { 0, 3, 1, 2, 3 }, SocketFlags.None);
        Assert.Null(await DnsWire.ReadFrameAsync(socket));
    }

    [Fact]
    public async Task Tcp_GarbageFrame_FormErrAndConnectionStaysUsable()
    {
        await using var server = await TestServer.StartExampleAsync();
        using var socket = await DnsWire.ConnectTcpAsync(server.Tcp);
        var bad = RawQuery.WithCounts(Query(), 3, 0, 0, 0);
        byte[] both = [.. DnsWire.Frame(bad), .. DnsWire.Frame(Query(id: 9))];
        await socket.SendAsync(both, SocketFlags.None);
        Assert.Equal(ResponseCode.FormErr, Responses.HeaderRcode((await DnsWire.ReadFrameAsync(socket))!));
        Assert.Equal(9, Responses.Parse((await DnsWire.ReadFrameAsync(socket))!).TransactionID);
    }

    internal static async Task WaitUntil(Func<bool> condition, string what, int timeoutMs = 5000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, "timed out waiting for: " + what);
            await Task.Delay(20);
        }
    }

    /// <summary>Sockets in CLOSE_WAIT (state 08) on a local port, from /proc/net/tcp and tcp6.</summary>
    private static int CountCloseWait(int port)
    {
        var count = 0;
        var hexPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(file))
            {
                continue;
            }

            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 3 && fields[1].EndsWith(hexPort, StringComparison.Ordinal) && fields[3] == "08")
                {
                    count++;
                }
            }
        }

        return count;
    }
}
