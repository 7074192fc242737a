using System.Diagnostics;
using System.Net;
using Scriptable.Engine.Protocol;
using Scriptable.Server.Configuration;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests.Observability;

/// <summary>
/// dnstap against real readers: <c>fstrm_capture</c> on a unix socket and on TCP (the bidirectional handshake),
/// a file; the capture decoded by <c>dnstap-ldns</c> and <c>protoc</c> equals the queries sent. The reader killed
/// and restarted: queries after that are captured. The reader stopped (SIGSTOP) with a tiny queue: every query is
/// still answered, and the drops are counted in <c>/metrics</c>.
/// </summary>
public sealed class DnstapTests
{
    private const string Policy = """
        static readonly Answer Paris = Answer.Address("192.0.2.10").WithTtl(60);
        static readonly Answer Virginia = Answer.Address("192.0.2.20").WithTtl(60);
        static readonly Pool<Answer> EuropeFirst = Pool.Of((Paris, "paris"), (Virginia, "virginia")).WhenAllDown(Paris);

        if (ctx.Query.Type != DnsType.A) return Answer.Static;
        return EuropeFirst.First(ctx);
        """;

    [ToolFact("fstrm_capture", "fstrm-bin", "dnstap-ldns", "dnstap-ldns", "protoc", "protobuf-compiler")]
    public async Task UnixSocket_CaptureReadBack_EqualsQueriesSent()
    {
        using var folder = new TempFolder();
        var socket = Path.Combine(folder.Path, "dnstap.sock");
        await using var capture = await FstrmCapture.StartUnixAsync(socket, Path.Combine(folder.Path, "capture.fstrm"));
        var sent = new List<SentQuery>();
        await using (var server = await TestServer.StartWithFilesAsync([("example.org/www.csx", Policy)], o => Configure(o, "unix:" + socket)))
        {
            await WaitConnectsAsync(server, 1);
            using var client = new LoopbackClient(server.Udp);
            ushort id = 1000;
            foreach (var (name, type, tcp) in ((string, ushort, bool)[])[
                ("www.example.org", RecordType.A, false), ("www.example.org", RecordType.TXT, false), ("static.example.org", RecordType.A, false),
                ("mail.example.org", RecordType.A, false), ("nothing.example.org", RecordType.A, false), ("www.example.net", RecordType.A, false),
                ("static.example.org", RecordType.MX, false), ("www.example.org", RecordType.A, true), ("nothing.example.org", RecordType.AAAA, true),
                ("static.example.org", RecordType.A, true)])
            {
                sent.Add(await client.SendAsync(name, type, id++, tcp));
            }
        }

        // The server said STOP and the reader FINISH; SIGTERM makes fstrm_capture close its file.
        await capture.StopAsync();
        var read = await DnstapReadBack.ReadAsync(capture.Output);
        Assert.Equal(Expected(sent, "ns1.test"), read);
        Assert.Contains(read, e => e.Extra == "policy=www.example.org pick=paris");
    }

    [ToolFact("fstrm_capture", "fstrm-bin", "dnstap-ldns", "dnstap-ldns", "protoc", "protobuf-compiler")]
    public async Task Tcp_CaptureReadBack_EqualsQueriesSent()
    {
        using var folder = new TempFolder();
        var port = FreePorts.Next();
        await using var capture = await FstrmCapture.StartTcpAsync(port, Path.Combine(folder.Path, "capture.fstrm"));
        var sent = new List<SentQuery>();
        await using (var server = await TestServer.StartExampleAsync(o => Configure(o, $"tcp:127.0.0.1:{port}")))
        {
            await WaitConnectsAsync(server, 1);
            using var client = new LoopbackClient(server.Udp);
            sent.Add(await client.SendAsync("www.example.org", RecordType.A, 7, tcp: false));
            sent.Add(await client.SendAsync("www.example.org", RecordType.A, 8, tcp: true));
            sent.Add(await client.SendAsync("nothing.example.org", RecordType.A, 9, tcp: false));
        }

        await capture.StopAsync();
        Assert.Equal(Expected(sent, "ns1.test", _ => null), await DnstapReadBack.ReadAsync(capture.Output));
    }

    [ToolFact("fstrm_capture", "fstrm-bin", "dnstap-ldns", "dnstap-ldns", "protoc", "protobuf-compiler")]
    public async Task Reader_KilledAndRestarted_LaterQueriesCaptured()
    {
        using var folder = new TempFolder();
        var socket = Path.Combine(folder.Path, "dnstap.sock");
        var first = await FstrmCapture.StartUnixAsync(socket, Path.Combine(folder.Path, "first.fstrm"));
        var sent = new List<SentQuery>();
        FstrmCapture? second = null;
        try
        {
            await using (var server = await TestServer.StartExampleAsync(o => Configure(o, "unix:" + socket)))
            {
                await WaitConnectsAsync(server, 1);
                await first.KillAsync();
                second = await FstrmCapture.StartUnixAsync(socket, Path.Combine(folder.Path, "second.fstrm"));
                await WaitConnectsAsync(server, 2);
                using var client = new LoopbackClient(server.Udp);
                for (ushort id = 1; id <= 5; id++)
                {
                    sent.Add(await client.SendAsync($"q{id}.example.org", RecordType.A, id));
                }
            }

            await second.StopAsync();
            Assert.Equal(Expected(sent, "ns1.test", _ => null), await DnstapReadBack.ReadAsync(second.Output));
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    [ToolFact("fstrm_capture", "fstrm-bin")]
    public async Task Reader_Stalled_QueriesAnsweredAndDropsCounted()
    {
        using var folder = new TempFolder();
        var socket = Path.Combine(folder.Path, "dnstap.sock");
        await using var capture = await FstrmCapture.StartUnixAsync(socket, Path.Combine(folder.Path, "capture.fstrm"));
        await using var server = await TestServer.StartExampleAsync(o =>
        {
            Configure(o, "unix:" + socket);
            o.Dnstap.QueueSize = 16;
            o.Admin = new AdminConfig { Listen = "127.0.0.1:0" };
        });
        await WaitConnectsAsync(server, 1);

        // The reader reads nothing more: the socket's buffers fill, the writer blocks, the queue fills.
        await capture.SignalAsync("STOP");
        using var client = new LoopbackClient(server.Udp);
        var answered = 0;
        for (var i = 0; i < 3000; i++)
        {
            var query = await client.SendAsync("www.example.org", RecordType.A, (ushort)i);
            answered += query.Rcode == "NOERROR" ? 1 : 0;
        }

        Assert.Equal(3000, answered);
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(server.Admin!, "metrics"));
        var dropped = System.Text.RegularExpressions.Regex.Match(metrics, @"^scriptable_dnstap_dropped_total (\d+)$", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(dropped.Success, metrics);
        Assert.InRange(long.Parse(dropped.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 3000);
        await capture.SignalAsync("CONT");
    }

    /// <summary>
    /// The AUTH_QUERY and AUTH_RESPONSE of each query, as the readers decode them; <paramref name="extra"/> says each
    /// one's extra field (default: that of <see cref="Policy"/> for www.example.org, none for other names).
    /// </summary>
    internal static List<DnstapEntry> Expected(IEnumerable<SentQuery> sent, string identity, Func<SentQuery, string?>? extra = null)
    {
        var entries = new List<DnstapEntry>();
        foreach (var q in sent)
        {
            var question = $"{q.Name} IN {q.Type}";
            var note = extra is not null ? extra(q) : q.Name == "www.example.org." ? $"policy=www.example.org pick={(q.Type == "A" ? "paris" : "-")}" : null;
            entries.Add(new DnstapEntry("AUTH_QUERY", identity, q.Tcp ? "TCP" : "UDP", "127.0.0.1", q.Port, q.Id, "NOERROR", question, note));
            entries.Add(new DnstapEntry("AUTH_RESPONSE", identity, q.Tcp ? "TCP" : "UDP", "127.0.0.1", q.Port, q.Id, q.Rcode, question, note));
        }

        return entries;
    }

    private static void Configure(ServerOptions options, string socket)
    {
        options.Dnstap.Socket = socket;
        options.Dnstap.Identity = "ns1.test";
        options.Policy.Trial.Enabled = false;
        options.UdpThreads = 1;
    }

    private static async Task WaitConnectsAsync(TestServer server, long connects)
    {
        var writer = server.Server.Dnstap!;
        var deadline = Stopwatch.StartNew();
        while (writer.Connects < connects)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(15), $"dnstap connected {writer.Connects} times, not {connects}");
            await Task.Delay(20);
        }
    }
}
