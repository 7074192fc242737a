using System.Diagnostics;
using System.Text.RegularExpressions;
using Scriptable.Engine.Protocol;
using Scriptable.Server.Configuration;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests.Observability;

/// <summary>
/// The query log of a real server: one line per query in CoreDNS's format plus ECS, policy and pick, to a file
/// and (the <c>scriptable</c> program) to standard output; classes and sampling select the lines; and, in the same
/// process, dnstap to a file read back by <c>dnstap-ldns</c>.
/// </summary>
public sealed partial class QueryLogTests
{
    private const string Policy = """
        static readonly Answer Paris = Answer.Address("192.0.2.10").WithTtl(60);
        static readonly Pool<Answer> Pool1 = Pool.Of((Paris, "paris"), (Answer.Address("192.0.2.20"), "virginia")).WhenAllDown(Paris);
        return Pool1.First(ctx);
        """;

    private const string Failing = """
        // scriptable: fallback=static
        throw new InvalidOperationException("backend list unreadable");
        """;

    [Fact]
    public async Task File_OneLinePerQuery_CoreDnsFieldsEcsPolicyAndPick()
    {
        using var folder = new TempFolder();
        var log = Path.Combine(folder.Path, "queries.log");
        var sent = new List<SentQuery>();
        await using (var server = await TestServer.StartWithFilesAsync([("example.org/www.csx", Policy), ("example.org/mail.csx", Failing)], o => Configure(o, log)))
        {
            using var client = new LoopbackClient(server.Udp);
            sent.Add(await client.SendAsync("www.example.org", RecordType.A, 4242, edns: new Edns(UdpSize: 4096, DnssecOk: true, Options: [RawQuery.Ecs("192.0.2.0/24")])));
            sent.Add(await client.SendAsync("nothing.example.org", RecordType.AAAA, 4243, tcp: true));
            sent.Add(await client.SendAsync("www.example.net", RecordType.A, 4244));
            sent.Add(await client.SendAsync("mail.example.org", RecordType.A, 4245));
        }

        var lines = await File.ReadAllLinesAsync(log);
        Assert.Equal(4, lines.Length);
        var stamp = @"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ";
        var duration = @"\d+(\.\d+)?s";
        Assert.Matches($"^{stamp}127\\.0\\.0\\.1:{sent[0].Port} - 4242 \"A IN www\\.example\\.org\\. udp {sent[0].QuerySize} true 4096\" NOERROR qr,aa {sent[0].ResponseSize} {duration} ecs=192\\.0\\.2\\.0/24/0 policy=www\\.example\\.org pick=paris$", lines[0]);
        Assert.Matches($"^{stamp}127\\.0\\.0\\.1:{sent[1].Port} - 4243 \"AAAA IN nothing\\.example\\.org\\. tcp {sent[1].QuerySize} false 65535\" NXDOMAIN qr,aa {sent[1].ResponseSize} {duration} ecs=- policy=- pick=-$", lines[1]);
        Assert.Matches($"^{stamp}127\\.0\\.0\\.1:{sent[2].Port} - 4244 \"A IN www\\.example\\.net\\. udp {sent[2].QuerySize} false 512\" REFUSED qr {sent[2].ResponseSize} {duration} ecs=- policy=- pick=-$", lines[2]);
        Assert.Matches($"^{stamp}127\\.0\\.0\\.1:{sent[3].Port} - 4245 \"A IN mail\\.example\\.org\\. udp {sent[3].QuerySize} false 512\" NOERROR qr,aa {sent[3].ResponseSize} {duration} ecs=- policy=mail\\.example\\.org pick=fallback$", lines[3]);
    }

    [Fact]
    public async Task ClassesAndSampling_SelectTheLines()
    {
        using var folder = new TempFolder();
        var log = Path.Combine(folder.Path, "queries.log");
        var selected = new List<SentQuery>();
        await using (var server = await TestServer.StartExampleAsync(o =>
        {
            Configure(o, log);
            o.QueryLog.Classes = ["denial", "error"];
            o.QueryLog.SampleEvery = 2;
        }))
        {
            using var client = new LoopbackClient(server.Udp);
            ushort id = 1;
            for (var i = 0; i < 4; i++)
            {
                // success (not logged), NXDOMAIN and NODATA (denial), REFUSED (error).
                Assert.Equal("NOERROR", (await client.SendAsync("www.example.org", RecordType.A, id++)).Rcode);
                selected.Add(await client.SendAsync($"nothing{i}.example.org", RecordType.A, id++));
                selected.Add(await client.SendAsync("www.example.org", RecordType.MX, id++));
                selected.Add(await client.SendAsync("www.example.net", RecordType.A, id++));
            }
        }

        // One in two of the selected, from the second.
        var expected = selected.Where((_, i) => i % 2 == 1).Select(q => $"{q.Id} \"{q.Type} IN {q.Name} udp").ToList();
        var lines = await File.ReadAllLinesAsync(log);
        Assert.Equal(expected, lines.Select(l => IdAndQuestion().Match(l).Value).ToList());
    }

    [ToolFact("dnstap-ldns", "dnstap-ldns", "protoc", "protobuf-compiler")]
    public async Task Program_QueryLogOnStandardOutput_DnstapToFile()
    {
        using var folder = TempFolder.WithExampleZone();
        var capture = Path.Combine(folder.Path, "capture.dnstap");
        var environment = new Dictionary<string, string>
        {
            ["SCRIPTABLE_QueryLog__Enabled"] = "true",
            ["SCRIPTABLE_Dnstap__Socket"] = "file:" + capture,
            ["SCRIPTABLE_Dnstap__Identity"] = "ns2.test",
            ["SCRIPTABLE_Policy__Trial__Enabled"] = "false",
        };
        var sent = new List<SentQuery>();
        await using (var server = ServerProcess.Start(folder.Path, environment, "serve", "--listen", "127.0.0.1:0", "--policies", folder.Path))
        {
            using var client = new LoopbackClient(await server.WaitListeningAsync());
            sent.Add(await client.SendAsync("www.example.org", RecordType.A, 31));
            sent.Add(await client.SendAsync("mail.example.org", RecordType.A, 32, tcp: true));
            await WaitUntilAsync(() => server.Output.Contains("- 32 \"A IN mail.example.org. tcp", StringComparison.Ordinal), () => server.Output);
            Assert.Contains($"127.0.0.1:{sent[0].Port} - 31 \"A IN www.example.org. udp {sent[0].QuerySize} false 512\" NOERROR qr,aa {sent[0].ResponseSize} ", server.Output, StringComparison.Ordinal);
            await server.SignalAsync("TERM");
            Assert.True(await server.WaitForExitAsync(15000), server.Output);
        }

        Assert.Equal(DnstapTests.Expected(sent, "ns2.test", _ => null), await DnstapReadBack.ReadAsync(capture));
    }

    private static void Configure(ServerOptions options, string log)
    {
        options.QueryLog.Enabled = true;
        options.QueryLog.Output = log;
        options.Policy.Trial.Enabled = false;
        options.UdpThreads = 1;
    }

    private static async Task WaitUntilAsync(Func<bool> done, Func<string> what)
    {
        var deadline = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(15), "not seen in time:\n" + what());
            await Task.Delay(20);
        }
    }

    [GeneratedRegex(@"\d+ ""\w+ IN \S+ udp")]
    private static partial Regex IdAndQuestion();
}
