using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Model;
using Scriptable.Engine.Pipeline;
using Scriptable.Server.Transport;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// Who gets into a full TCP connection table and who is taken out for them, on real (unstarted) connections
/// whose phase is set directly: the cases a socket test cannot arrange on purpose, such as every connection
/// busy answering at the moment a new one arrives.
/// </summary>
public sealed class TcpConnectionTableTests : IAsyncDisposable
{
    private readonly Transport.TcpListener _owner = new(new IPEndPoint(IPAddress.Loopback, 0), new QueryPipeline(ServerSnapshot.Empty, NullLogger.Instance),
        new TcpSettings(), new TcpCounters(), NullLogger.Instance);

    private readonly List<Socket> _sockets = [];

    [Fact]
    public void TryAdd_ClientAtItsLimit_RefusedOthersAdmitted()
    {
        var table = new TcpConnectionTable(maxConnections: 10, maxPerClient: 2);
        Assert.Null(table.TryAdd(Connection("192.0.2.1", since: 1), out _, out _));
        Assert.Null(table.TryAdd(Connection("192.0.2.1", since: 2), out _, out _));

        Assert.Equal(TcpRefusal.ClientLimit, table.TryAdd(Connection("192.0.2.1", since: 3), out var evicted, out _));
        Assert.Null(evicted);
        Assert.Null(table.TryAdd(Connection("192.0.2.2", since: 4), out _, out _));
        Assert.Equal(3, table.Count);
    }

    [Fact]
    public void TryAdd_Full_ClosingGoesFirst_ThenLongestWithoutMessage_NeverBusy()
    {
        var table = new TcpConnectionTable(maxConnections: 4, maxPerClient: 4);
        var busyOldest = Connection("192.0.2.1", since: 10);
        var idle = Connection("192.0.2.2", since: 30);
        var reading = Connection("192.0.2.3", since: 20);
        var closing = Connection("192.0.2.4", since: 90);
        foreach (var connection in new[] { busyOldest, idle, reading, closing })
        {
            Assert.Null(table.TryAdd(connection, out _, out _));
        }

        busyOldest.Enter(TcpPhase.Busy, 0);
        reading.Enter(TcpPhase.Reading, 1000);
        closing.Enter(TcpPhase.Closing, 1000);

        Assert.Null(table.TryAdd(Connection("198.51.100.1", since: 100), out var first, out var firstPhase));
        Assert.Same(closing, first);
        Assert.Equal(TcpPhase.Closing, firstPhase);

        Assert.Null(table.TryAdd(Connection("198.51.100.2", since: 101), out var second, out var secondPhase));
        Assert.Same(reading, second);
        Assert.Equal(TcpPhase.Reading, secondPhase);

        Assert.Null(table.TryAdd(Connection("198.51.100.3", since: 102), out var third, out _));
        Assert.Same(idle, third);
        Assert.Equal(4, table.Count);
        Assert.False(table.Remove(idle));
    }

    [Fact]
    public void TryAdd_FullAndEveryConnectionBusy_RefusedTableFull()
    {
        var table = new TcpConnectionTable(maxConnections: 2, maxPerClient: 2);
        var a = Connection("192.0.2.1", since: 1);
        var b = Connection("192.0.2.2", since: 2);
        table.TryAdd(a, out _, out _);
        table.TryAdd(b, out _, out _);
        a.Enter(TcpPhase.Busy, 0);
        b.Enter(TcpPhase.Busy, 0);

        Assert.Equal(TcpRefusal.TableFull, table.TryAdd(Connection("198.51.100.1", since: 3), out var evicted, out _));
        Assert.Null(evicted);

        b.Enter(TcpPhase.Idle, 100);
        Assert.Null(table.TryAdd(Connection("198.51.100.1", since: 3), out evicted, out _));
        Assert.Same(b, evicted);
    }

    [Fact]
    public void TakeExpired_OnlyPastDeadline_WithPhase_ClientCountFreed()
    {
        var table = new TcpConnectionTable(maxConnections: 10, maxPerClient: 1);
        var late = Connection("192.0.2.1", since: 1);
        var early = Connection("192.0.2.2", since: 1);
        var busy = Connection("192.0.2.3", since: 1);
        table.TryAdd(late, out _, out _);
        table.TryAdd(early, out _, out _);
        table.TryAdd(busy, out _, out _);
        late.Enter(TcpPhase.Reading, 500);
        early.Enter(TcpPhase.Sending, 2000);
        busy.Enter(TcpPhase.Busy, 0);

        var expired = new List<(TcpConnection Connection, TcpPhase Phase)>();
        table.TakeExpired(now: 1000, expired);

        Assert.Equal([(late, TcpPhase.Reading)], expired);
        Assert.Equal(2, table.Count);
        Assert.False(table.Remove(late));
        Assert.Null(table.TryAdd(Connection("192.0.2.1", since: 2), out _, out _));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        await _owner.DisposeAsync();
    }

    private TcpConnection Connection(string address, long since)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _sockets.Add(socket);
        var octets = IPAddress.Parse(address).GetAddressBytes();
        return new TcpConnection(_owner, socket, octets, 53, TcpClientKey.From(octets, 32, 64), since);
    }
}
