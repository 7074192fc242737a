using System.Net;
using System.Net.Sockets;
using Scriptable.Engine.Protocol;
using Scriptable.Server.Configuration;
using Scriptable.Server.Transport;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// How the TCP listener defends its connection table against clients that hold slots without finishing
/// messages, never read their answers, or open too many connections, and how a bad frame inside a pipeline
/// ends the stream without losing the answers before it. Real sockets on loopback; clients come from
/// several addresses of 127.0.0.0/8 to stand for several hosts. Timeouts are configured short, and pass or
/// fail depends on what the server did (answered, closed, refused), never on how long it took.
/// </summary>
public class TcpDefenceTests
{
    private static byte[] Query(string name = "www.example.org", ushort type = RecordType.A, ushort id = 0x1234) =>
        RawQuery.Build(name, type, id: id);

    /// <summary>Loopback address number <paramref name="host"/> (1-based), standing for one client host.</summary>
    private static IPAddress Host(int host) => new([127, 0, (byte)(1 + (host / 250)), (byte)(1 + (host % 250))]);

    [Fact]
    public async Task Tcp_ThousandSlowClientsDripping_FreshClientAnswered()
    {
        // The finding: 1,000 clients, each sending one octet a second, held every slot of the default table,
        // because every octet restarted the idle timer. Default table and message deadline; only the idle
        // timeout is longer, so that all 1,000 are surely connected (quietly) before they start to drip.
        await using var server = await TestServer.StartExampleAsync(o => o.TcpIdleTimeoutSeconds = 60);
        const int Slow = 1000;
        var slow = await ConnectManyAsync(server.Tcp, Slow, perHost: 8);
        try
        {
            await TransportTests.WaitUntil(() => server.Server.OpenTcpConnections == Slow, "every slow client accepted", 30_000);
            using var drip = new CancellationTokenSource();
            var dripping = DripAsync(slow, drip.Token);
            await Task.Delay(1500);

            // Every slot is taken by a client in the middle of a message: a new one must still be answered.
            var answer = await QueryOnceAsync(server.Tcp, IPAddress.Loopback, Query(id: 77));
            Assert.NotNull(answer);
            Assert.Equal(77, Responses.Parse(answer).TransactionID);

            // And the dripping clients do not keep their connections: a message must arrive whole in time.
            await TransportTests.WaitUntil(() => server.Server.OpenTcpConnections == 0, "slow clients closed while still dripping", 30_000);
            await drip.CancelAsync();
            await dripping;
            var counters = server.Server.TcpCounters;
            Assert.Equal(0, counters.Refused(TcpRefusal.TableFull) + counters.Refused(TcpRefusal.ClientLimit));
            await TransportTests.WaitUntil(() => counters.Closed(TcpCloseReason.MessageTimeout) + counters.Closed(TcpCloseReason.Evicted) == Slow, "every slow client closed by its message deadline or evicted");
        }
        finally
        {
            DisposeAll(slow);
        }
    }

    [Fact]
    public async Task Tcp_TableFullOfSlowClients_SlowestEvictedForFreshClient()
    {
        // Timeouts far beyond the test: only eviction can make room.
        await using var server = await TestServer.StartExampleAsync(o =>
        {
            o.TcpMaxConnections = 100;
            o.TcpMessageTimeoutSeconds = 120;
            o.TcpIdleTimeoutSeconds = 600;
        });
        var slow = await ConnectManyAsync(server.Tcp, 100, perHost: 4);
        var fresh3 = new List<Socket>();
        try
        {
            await TransportTests.WaitUntil(() => server.Server.OpenTcpConnections == 100, "the table full");
            using var drip = new CancellationTokenSource();
            var dripping = DripAsync(slow, drip.Token);
            await Task.Delay(1500);

            // Three new clients, each staying connected: each needs a slot a slow client held.
            for (var i = 0; i < 3; i++)
            {
                var fresh = await ConnectFromAsync(server.Tcp, Host(900 + i));
                fresh3.Add(fresh);
                await fresh.SendAsync(DnsWire.Frame(Query(id: (ushort)(50 + i))), SocketFlags.None);
                Assert.Equal(50 + i, Responses.Parse(await ReadOrFailAsync(fresh, "fresh client " + i)).TransactionID);
            }

            Assert.InRange(server.Server.OpenTcpConnections, 0, 100);
            await TransportTests.WaitUntil(() => server.Server.TcpCounters.Closed(TcpCloseReason.Evicted) == 3, "three slow clients evicted");
            Assert.Equal(0, server.Server.TcpCounters.Closed(TcpCloseReason.MessageTimeout));

            // The slow ones went, not the new ones, which answered a moment ago.
            for (var i = 0; i < 3; i++)
            {
                var fresh = fresh3[i];
                await fresh.SendAsync(DnsWire.Frame(Query(id: (ushort)(60 + i))), SocketFlags.None);
                Assert.Equal(60 + i, Responses.Parse(await ReadOrFailAsync(fresh, "fresh client again " + i)).TransactionID);
            }

            await drip.CancelAsync();
            await dripping;
        }
        finally
        {
            DisposeAll(slow);
            DisposeAll(fresh3);
        }
    }

    [Fact]
    public async Task Tcp_MessageOneOctetAtATime_ClosedBeforeItCompletes()
    {
        await using var server = await TestServer.StartExampleAsync(o =>
        {
            o.TcpMessageTimeoutSeconds = 0.5;
            o.TcpIdleTimeoutSeconds = 60;
        });
        using var socket = await DnsWire.ConnectTcpAsync(server.Tcp);
        var frame = DnsWire.Frame(Query());

        // One octet every 200 ms: the whole frame would take several seconds, far past the message deadline.
        var closedEarly = false;
        for (var i = 0; i < frame.Length - 1; i++)
        {
            if (!await TrySendAsync(socket, frame.AsMemory(i, 1)) || await ClosedByServerAsync(socket, 200))
            {
                closedEarly = true;
                break;
            }
        }

        Assert.True(closedEarly, "the server kept a connection whose message arrived one octet at a time");
        await TransportTests.WaitUntil(() => server.Server.TcpCounters.Closed(TcpCloseReason.MessageTimeout) == 1, "the message timeout counted");
    }

    [Fact]
    public async Task Tcp_IdleConnectionWithAnsweredQuery_IdleTimeoutCountsFromLastMessage()
    {
        await using var server = await TestServer.StartExampleAsync(o =>
        {
            o.TcpMessageTimeoutSeconds = 60;
            o.TcpIdleTimeoutSeconds = 0.5;
        });
        using var socket = await DnsWire.ConnectTcpAsync(server.Tcp);
        await socket.SendAsync(DnsWire.Frame(Query(id: 1)), SocketFlags.None);
        Assert.Equal(1, Responses.Parse((await DnsWire.ReadFrameAsync(socket))!).TransactionID);

        // Then a complete query, slowly but well within the message deadline: still answered.
        var frame = DnsWire.Frame(Query(id: 2));
        await socket.SendAsync(frame.AsMemory(0, 1), SocketFlags.None);
        await Task.Delay(100);
        await socket.SendAsync(frame.AsMemory(1), SocketFlags.None);
        Assert.Equal(2, Responses.Parse((await DnsWire.ReadFrameAsync(socket))!).TransactionID);

        // Nothing more: closed by the idle timeout.
        Assert.True(await ClosedByServerAsync(socket, 10_000), "idle connection left open");
        await TransportTests.WaitUntil(() => server.Server.TcpCounters.Closed(TcpCloseReason.IdleTimeout) == 1, "the idle timeout counted");
    }

    [Fact]
    public async Task Tcp_ClientNeverReads_ClosedAfterSendTimeout()
    {
        await using var server = await TestServer.StartExampleAsync(o =>
        {
            o.TcpSendTimeoutSeconds = 0.5;
            o.TcpIdleTimeoutSeconds = 600;
            o.TcpMessageTimeoutSeconds = 120;
        });
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
        await socket.ConnectAsync(server.Tcp);
        await TransportTests.WaitUntil(() => server.Server.OpenTcpConnections == 1, "connection accepted");

        // 20,000 queries whose answers (about 14 MB) far exceed what the kernels buffer; the client reads none.
        var query = DnsWire.Frame(Query("big.example.org", RecordType.TXT));
        var burst = new byte[query.Length * 20_000];
        for (var i = 0; i < 20_000; i++)
        {
            query.CopyTo(burst, i * query.Length);
        }

        using var sending = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var send = TrySendAsync(socket, burst, sending.Token);
        await TransportTests.WaitUntil(() => server.Server.OpenTcpConnections == 0, "connection to a client that never reads closed", 20_000);
        await sending.CancelAsync();
        await send;
        await TransportTests.WaitUntil(() => server.Server.TcpCounters.Closed(TcpCloseReason.SendTimeout) == 1, "the send timeout counted");
    }

    [Fact]
    public async Task Tcp_PerClientLimit_ExtraFromSameClientRefusedOthersServed()
    {
        await using var server = await TestServer.StartExampleAsync(o =>
        {
            o.TcpMaxConnectionsPerClient = 3;
            o.Admin.Listen = "127.0.0.1:0";
        });
        var mine = new List<Socket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                mine.Add(await ConnectFromAsync(server.Tcp, Host(1)));
            }

            await TransportTests.WaitUntil(() => server.Server.OpenTcpConnections == 3, "three connections accepted");
            Assert.Null(await QueryOnceAsync(server.Tcp, Host(1), Query(id: 4)));

            var other = await QueryOnceAsync(server.Tcp, Host(2), Query(id: 5));
            Assert.NotNull(other);
            Assert.Equal(5, Responses.Parse(other).TransactionID);

            // The client's own connections still work.
            await mine[0].SendAsync(DnsWire.Frame(Query(id: 6)), SocketFlags.None);
            Assert.Equal(6, Responses.Parse((await DnsWire.ReadFrameAsync(mine[0]))!).TransactionID);

            await TransportTests.WaitUntil(() => server.Server.OpenTcpConnections == 3, "the other client's connection closed");
            using var http = new HttpClient();
            var metrics = await http.GetStringAsync(new Uri(server.Admin!, "metrics"));
            Assert.Contains("scriptable_tcp_connections_refused_total{tcp_reason=\"client_limit\"} 1", metrics, StringComparison.Ordinal);
            Assert.Contains("scriptable_tcp_connections_open 3", metrics, StringComparison.Ordinal);
            Assert.Contains(server.Logs.Messages, m => m.Contains("TCP client 127.0.1.2 holds its limit of 3 connections", StringComparison.Ordinal));
        }
        finally
        {
            DisposeAll(mine);
        }
    }

    [Fact]
    public async Task Tcp_MoreConnectionsThanOpenFileLimit_CappedServerSurvives()
    {
        // Running out of file descriptors kills a .NET process ("Out of memory." from the runtime), so the
        // table must stay below the limit whatever TcpMaxConnections says. The real program, under prlimit.
        using var folder = TempFolder.WithExampleZone();
        var start = new System.Diagnostics.ProcessStartInfo("prlimit") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--nofile=400:400", "dotnet", ServerProcess.ProgramPath, "serve", "--listen", "127.0.0.1:0", "--policies", folder.Path })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["SCRIPTABLE_Admin__Listen"] = "off";
        start.Environment["SCRIPTABLE_TcpIdleTimeoutSeconds"] = "600";
        start.Environment["SCRIPTABLE_TcpMessageTimeoutSeconds"] = "120";
        var output = new System.Text.StringBuilder();
        var listening = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new System.Diagnostics.Process { StartInfo = start };
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            var at = line.IndexOf("Listening on ", StringComparison.Ordinal);
            if (at >= 0 && IPEndPoint.TryParse(line[(at + 13)..].Split(' ')[0], out var endPoint))
            {
                listening.TrySetResult(endPoint);
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var connections = new List<Socket>();
        try
        {
            Assert.True(await Task.WhenAny(listening.Task, Task.Delay(60_000)) == listening.Task, "not listening:\n" + output);
            var server = await listening.Task;
            string Output()
            {
                lock (output)
                {
                    return output.ToString();
                }
            }

            Assert.Contains("limited to 200, not TcpMaxConnections 1000", Output(), StringComparison.Ordinal);

            // As many connections as the process may open files, from 50 hosts; they stay open.
            connections.AddRange(await ConnectManyAsync(server, 400, perHost: 8));
            var answer = await QueryOnceAsync(server, Host(999), Query(id: 9));
            Assert.False(process.HasExited, "the server died:\n" + Output());
            Assert.NotNull(answer);
            Assert.Equal(9, Responses.Parse(answer).TransactionID);
            Assert.NotNull(await DnsWire.UdpAsync(server, Query(id: 10), 5000));
            Assert.DoesNotContain("out of file descriptors", Output(), StringComparison.Ordinal);
        }
        finally
        {
            DisposeAll(connections);
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Tcp_PerClientLimitOverIPv6_CountsTheClientsNetwork()
    {
        Assert.True(TestServer.HasIPv6Loopback, "this machine cannot bind [::1]; IPv6 listening cannot be tested here");
        await using var server = await TestServer.StartExampleAsync(o => o.TcpMaxConnectionsPerClient = 2, ipv6: true);
        var v6 = server.Udp6!;
        using var first = await DnsWire.ConnectTcpAsync(v6);
        using var second = await DnsWire.ConnectTcpAsync(v6);
        await TransportTests.WaitUntil(() => server.Server.OpenTcpConnections == 2, "two IPv6 connections accepted");

        Assert.Null(await QueryOnceAsync(v6, IPAddress.IPv6Loopback, Query(id: 3)));
        await TransportTests.WaitUntil(() => server.Server.TcpCounters.Refused(TcpRefusal.ClientLimit) == 1, "the refusal counted");
        Assert.Contains(server.Logs.Messages, m => m.Contains("TCP client ::/64 holds its limit of 2", StringComparison.Ordinal));

        // IPv4 is another client.
        var v4 = await QueryOnceAsync(server.Tcp, IPAddress.Loopback, Query(id: 4));
        Assert.NotNull(v4);
    }

    public static TheoryData<string, byte[]> FramesThatCannotBeMessages => new()
    {
        { "empty frame", [0, 0] },
        { "3 octets", [0, 3, 1, 2, 3] },
        { "11 octets, one short of a header", [0, 11, .. new byte[11]] },
        { "1 octet", [0, 1, 0xFF] },
    };

    [Theory]
    [MemberData(nameof(FramesThatCannotBeMessages))]
    public async Task Tcp_FrameThatCannotBeMessageInPipeline_EarlierAnswersSentThenClosed(string what, byte[] bad)
    {
        await using var server = await TestServer.StartExampleAsync();
        using var socket = await DnsWire.ConnectTcpAsync(server.Tcp);
        byte[] burst = [.. DnsWire.Frame(Query(id: 1)), .. DnsWire.Frame(Query("nothing.example.org", id: 2)), .. bad, .. DnsWire.Frame(Query(id: 3))];
        await socket.SendAsync(burst, SocketFlags.None);

        Assert.Equal(1, Responses.Parse(await ReadOrFailAsync(socket, what)).TransactionID);
        Assert.Equal(2, Responses.Parse(await ReadOrFailAsync(socket, what)).TransactionID);
        Assert.Null(await DnsWire.ReadFrameAsync(socket));
        await TransportTests.WaitUntil(() => server.Server.TcpCounters.Closed(TcpCloseReason.BadFrame) == 1, "the bad frame counted");
    }

    [Fact]
    public async Task Tcp_ResponseInsidePipeline_SkippedOthersAnswered()
    {
        await using var server = await TestServer.StartExampleAsync();
        using var socket = await DnsWire.ConnectTcpAsync(server.Tcp);
        var response = Query(id: 2);
        response[2] |= 0x80;
        byte[] burst = [.. DnsWire.Frame(Query(id: 1)), .. DnsWire.Frame(response), .. DnsWire.Frame(Query(id: 3))];
        await socket.SendAsync(burst, SocketFlags.None);

        Assert.Equal(1, Responses.Parse(await ReadOrFailAsync(socket, "first")).TransactionID);
        Assert.Equal(3, Responses.Parse(await ReadOrFailAsync(socket, "after the response")).TransactionID);
    }

    [Fact]
    public async Task Tcp_BadContentsInsidePipeline_FormErrAndRestAnswered()
    {
        await using var server = await TestServer.StartExampleAsync();
        using var socket = await DnsWire.ConnectTcpAsync(server.Tcp);
        var truncatedQuestion = Query(id: 2)[..14];
        var twoQuestions = RawQuery.WithCounts(Query(id: 3), 2, 0, 0, 0);
        byte[] burst = [.. DnsWire.Frame(Query(id: 1)), .. DnsWire.Frame(truncatedQuestion), .. DnsWire.Frame(twoQuestions), .. DnsWire.Frame(Query(id: 4))];
        await socket.SendAsync(burst, SocketFlags.None);

        Assert.Equal(1, Responses.Parse(await ReadOrFailAsync(socket, "first")).TransactionID);
        var second = await ReadOrFailAsync(socket, "truncated question");
        Assert.Equal(ResponseCode.FormErr, Responses.HeaderRcode(second));
        var third = await ReadOrFailAsync(socket, "two questions");
        Assert.Equal(ResponseCode.FormErr, Responses.HeaderRcode(third));
        Assert.Equal(4, Responses.Parse(await ReadOrFailAsync(socket, "last")).TransactionID);
    }

    [Theory]
    [InlineData("192.0.2.77", 32, 64, "192.0.2.77")]
    [InlineData("192.0.2.77", 24, 64, "192.0.2.0/24")]
    [InlineData("::ffff:192.0.2.77", 32, 64, "192.0.2.77")]
    [InlineData("2001:db8:1:2:aaaa::1", 32, 64, "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:bbbb::9", 32, 64, "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:bbbb::9", 32, 56, "2001:db8:1::/56")]
    [InlineData("2001:db8:1:2:bbbb::9", 32, 128, "2001:db8:1:2:bbbb::9")]
    public void ClientKey_GroupsByPrefix(string address, int ipv4Prefix, int ipv6Prefix, string expected)
    {
        var ip = IPAddress.Parse(address);
        var octets = (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).GetAddressBytes();

        Assert.Equal(expected, TcpClientKey.From(octets, ipv4Prefix, ipv6Prefix).ToString());
    }

    [Fact]
    public void ClientKey_SameNetworkSameKey_OtherNetworkOtherKey()
    {
        static TcpClientKey Key(string address) => TcpClientKey.From(IPAddress.Parse(address).GetAddressBytes(), 32, 64);

        Assert.Equal(Key("2001:db8::1"), Key("2001:db8::ffff:1"));
        Assert.NotEqual(Key("2001:db8::1"), Key("2001:db8:0:1::1"));
        Assert.NotEqual(Key("192.0.2.1"), Key("192.0.2.2"));
        Assert.NotEqual(Key("0.0.0.1"), Key("::1"));
    }

    [Theory]
    [InlineData(1000, 1, 1_048_576L, 1000, false)]
    [InlineData(1000, 1, 2000L, 1000, false)]
    [InlineData(1000, 1, 1024L, 512, true)]
    [InlineData(1000, 2, 1024L, 256, true)]
    [InlineData(1000, 3, 4L, 1, true)]
    [InlineData(1000, 1, null, 1000, false)]
    public void Settings_OpenFileLimit_TcpTakesAtMostHalf(int configured, int listeners, long? openFiles, int expected, bool lowered)
    {
        var settings = TcpSettings.From(new ServerOptions { TcpMaxConnections = configured }, listeners, openFiles);

        Assert.Equal(expected, settings.MaxConnections);
        Assert.Equal(configured, settings.ConfiguredMaxConnections);
        Assert.Equal(lowered ? openFiles : null, settings.OpenFileLimit);
        Assert.InRange(settings.MaxConnectionsPerClient, 1, settings.MaxConnections);
    }

    [Theory]
    [InlineData("Max open files            1024                 524288               files     ", 1024L)]
    [InlineData("Max open files            unlimited            unlimited            files     ", null)]
    [InlineData("Max processes             63704                63704                processes ", null)]
    public void OpenFileLimit_ParsesSoftLimit(string line, long? expected)
    {
        string[] limits = ["Limit                     Soft Limit           Hard Limit           Units     ", line];

        Assert.Equal(expected, OpenFileLimit.Parse(limits));
    }

    public static TheoryData<string, Action<ServerOptions>, string> TcpSettingsOutOfRange => new()
    {
        { "idle 0", o => o.TcpIdleTimeoutSeconds = 0, "TcpIdleTimeoutSeconds must be above 0 and at most 3600" },
        { "idle NaN", o => o.TcpIdleTimeoutSeconds = double.NaN, "TcpIdleTimeoutSeconds must be above 0" },
        { "idle 2 h", o => o.TcpIdleTimeoutSeconds = 7200, "TcpIdleTimeoutSeconds must be above 0 and at most 3600" },
        { "message 121 s", o => o.TcpMessageTimeoutSeconds = 121, "TcpMessageTimeoutSeconds must be above 0 and at most 120" },
        { "message infinite", o => o.TcpMessageTimeoutSeconds = double.PositiveInfinity, "TcpMessageTimeoutSeconds must be above 0" },
        { "send -1", o => o.TcpSendTimeoutSeconds = -1, "TcpSendTimeoutSeconds must be above 0 and at most 120" },
        { "no connections", o => o.TcpMaxConnections = 0, "TcpMaxConnections must be between 1 and 65535" },
        { "70000 connections", o => o.TcpMaxConnections = 70_000, "TcpMaxConnections must be between 1 and 65535" },
        { "per client 0", o => o.TcpMaxConnectionsPerClient = 0, "TcpMaxConnectionsPerClient must be between 1 and 65535" },
        { "per client 70000", o => o.TcpMaxConnectionsPerClient = 70_000, "TcpMaxConnectionsPerClient must be between 1 and 65535" },
        { "IPv4 /7", o => o.TcpClientIPv4Prefix = 7, "TcpClientIPv4Prefix must be between 8 and 32" },
        { "IPv4 /33", o => o.TcpClientIPv4Prefix = 33, "TcpClientIPv4Prefix must be between 8 and 32" },
        { "IPv6 /31", o => o.TcpClientIPv6Prefix = 31, "TcpClientIPv6Prefix must be between 32 and 128" },
        { "IPv6 /129", o => o.TcpClientIPv6Prefix = 129, "TcpClientIPv6Prefix must be between 32 and 128" },
    };

    [Theory]
    [MemberData(nameof(TcpSettingsOutOfRange))]
    public void Validate_TcpSettingOutOfRange_Error(string what, Action<ServerOptions> set, string message)
    {
        var options = new ServerOptions();
        Assert.Empty(options.Validate());
        set(options);

        Assert.Contains(options.Validate(), e => e.Contains(message, StringComparison.Ordinal));
        Assert.NotNull(what);
    }

    private static async Task<byte[]> ReadOrFailAsync(Socket socket, string what) =>
        await DnsWire.ReadFrameAsync(socket) ?? throw new Xunit.Sdk.XunitException("connection closed before the answer (" + what + ")");

    /// <summary>Opens <paramref name="count"/> connections, <paramref name="perHost"/> from each loopback address.</summary>
    private static async Task<List<Socket>> ConnectManyAsync(IPEndPoint server, int count, int perHost)
    {
        var sockets = new List<Socket>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                sockets.Add(await ConnectFromAsync(server, Host(i / perHost)));
            }
        }
        catch
        {
            DisposeAll(sockets);
            throw;
        }

        return sockets;
    }

    private static async Task<Socket> ConnectFromAsync(IPEndPoint server, IPAddress local)
    {
        var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(server);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends one octet a second on every socket: the two octets of a length announcing a 300-octet message,
    /// then its octets, so no message is ever complete. A socket the server closed is left alone.
    /// </summary>
    private static async Task DripAsync(List<Socket> sockets, CancellationToken token)
    {
        byte[] frame = [1, 44, .. new byte[300]];
        var alive = new bool[sockets.Count];
        Array.Fill(alive, true);
        try
        {
            for (var octet = 0; octet < frame.Length && !token.IsCancellationRequested; octet++)
            {
                for (var i = 0; i < sockets.Count; i++)
                {
                    alive[i] = alive[i] && await TrySendAsync(sockets[i], frame.AsMemory(octet, 1), token);
                }

                await Task.Delay(1000, token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One query on a new connection from <paramref name="local"/>; null if refused or closed unanswered.</summary>
    private static async Task<byte[]?> QueryOnceAsync(IPEndPoint server, IPAddress local, byte[] query)
    {
        try
        {
            using var socket = await ConnectFromAsync(server, local);
            await socket.SendAsync(DnsWire.Frame(query), SocketFlags.None);
            return await DnsWire.ReadFrameAsync(socket);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static async Task<bool> TrySendAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken token = default)
    {
        try
        {
            while (!data.IsEmpty)
            {
                data = data[await socket.SendAsync(data, SocketFlags.None, token)..];
            }

            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>True if the server closed or reset the connection within <paramref name="waitMs"/>; data is discarded.</summary>
    private static async Task<bool> ClosedByServerAsync(Socket socket, int waitMs)
    {
        using var wait = new CancellationTokenSource(waitMs);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static void DisposeAll(List<Socket> sockets)
    {
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
    }
}
