using Scriptable.Engine.Protocol;
using Scriptable.Engine.Trial;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// A new policy version serves only after a trial in a disposable child process (issue 14): what crashes or
/// hangs that process is rejected like a compile error, named at its file, and the previous version keeps
/// serving. Each bad version here would kill or hang the server if it served.
/// </summary>
public sealed class TrialTests
{
    private const string Good = "return Answer.Address(\"192.0.2.1\").WithTtl(5);";

    /// <summary>Loops for clients in Japan only, in compiler-written code (a cyclic record's GetHashCode).</summary>
    private const string RecursesForJapan = """
        record Node { public Node? Next { get; set; } }
        if (ctx.Geo.CountryCode == "JP") { var n = new Node(); n.Next = n; return Answer.Address("192.0.2." + (n.GetHashCode() & 127)); }
        return Answer.Address("192.0.2.2").WithTtl(5);
        """;

    /// <summary>
    /// Works inside framework code for minutes on TXT questions only: the text of 200,000 nested tuples is built
    /// by framework code concatenating ever longer strings (about 10^11 characters copied).
    /// </summary>
    private const string HangsOnTxt = """
        static readonly object Nest = Build();
        static object Build() { object t = 1; for (var i = 0; i < 200_000; i++) t = (t, 1); return t; }
        if (ctx.Query.Type == DnsType.TXT) return Answer.Address("192.0.2." + (Nest.ToString()!.Length & 127));
        return Answer.Address("192.0.2.3").WithTtl(5);
        """;

    /// <summary>A static initialiser recursing in a compiler-written member (it killed the server at every start).</summary>
    private const string RecursesAtLoad = """
        record Node { public Node? Next { get; set; } }
        static readonly int Hash = Cycle().GetHashCode();
        static Node Cycle() { var n = new Node(); n.Next = n; return n; }
        return Answer.Address("192.0.2.4").WithTtl(5);
        """;

    private static async Task<string> AnswerAsync(TestServer server, string name)
    {
        var response = await server.UdpAsync(RawQuery.Build(name, RecordType.A), 3000);
        Assert.NotNull(response);
        var message = Responses.Parse(response);
        return message.AnswerRecords.Count == 0 ? message.ReturnCode.ToString() : message.AnswerRecords[^1].ToString();
    }

    private static Task WaitForLogAsync(TestServer server, string text) =>
        TransportTests.WaitUntil(() => server.Logs.Messages.Any(m => m.Contains(text, StringComparison.Ordinal)), "log: " + text, 120_000);

    [Theory]
    [InlineData(RecursesForJapan, "SCR0302", "JP")]
    [InlineData(RecursesAtLoad, "SCR0200", "static fields failed to initialise")]
    [InlineData(HangsOnTxt, "SCR0304", "TXT www.example.org.")]
    public async Task Save_VersionThatWouldKillOrHangTheServer_NeverServes_PreviousKeepsServing(string bad, string id, string step)
    {
        await using var server = await TestServer.StartWithFilesAsync([("example.org/www.csx", Good), ("example.org/mail.csx", "return Answer.Address(\"192.0.2.25\");")], o => o.RescanSeconds = 60);
        Assert.Contains("192.0.2.1", await AnswerAsync(server, "www.example.org"), StringComparison.Ordinal);

        server.Write("example.org/www.csx", bad);
        await WaitForLogAsync(server, "revision 1 keeps serving");

        var rejections = server.Logs.Messages.Where(m => m.Contains("www.csx(", StringComparison.Ordinal) && m.Contains("error SCR0", StringComparison.Ordinal)).ToList();
        Assert.Contains(rejections, r => r.Contains(id, StringComparison.Ordinal) && r.Contains(step, StringComparison.Ordinal));
        Assert.Contains("192.0.2.1", await AnswerAsync(server, "www.example.org"), StringComparison.Ordinal);
        Assert.Contains("192.0.2.25", await AnswerAsync(server, "mail.example.org"), StringComparison.Ordinal);
        Assert.Equal(0, server.Failures);

        // Fixed: the next save goes through its trial and serves.
        server.Write("example.org/www.csx", Good.Replace("192.0.2.1", "192.0.2.5", StringComparison.Ordinal));
        await WaitForLogAsync(server, "www.csx' revision 2 loaded");
        Assert.Contains("192.0.2.5", await AnswerAsync(server, "www.example.org"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithAVersionThatKillsItsTrialAtLoad_ListensAndServesTheRest()
    {
        // A crash while initialising www.csx (injected: no known policy can crash a trial process any more).
        using var folder = TempFolder.WithExampleZone(("example.org/www.csx", Good), ("example.org/mail.csx", "return Answer.Address(\"192.0.2.25\");"));
        await using var server = ServerProcess.Start(folder.Path, new Dictionary<string, string> { [TrialProgress.CrashVariable] = "www.csx\tinitialising" },
            "serve", "--listen", "127.0.0.1:0", "--policies", folder.Path);
        var endPoint = await server.WaitListeningAsync();

        Assert.Contains("192.0.2.25", await AnswerAsync(endPoint, "mail.example.org"), StringComparison.Ordinal);
        Assert.Equal("ServerFailure", await AnswerAsync(endPoint, "www.example.org"));
        Assert.Contains("www.csx(1,1): error SCR0303: the trial of this version was stopped while initialising its static fields: it crashed the process", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_TwoFiles_OneKillsItsTrial_OnlyItIsRejected()
    {
        using var folder = TempFolder.WithExampleZone(("example.org/www.csx", Good), ("example.org/mail.csx", "return Answer.Address(\"192.0.2.25\");"));
        // The injected crash is on a name only the second version of www serves, so the first one passes its trial.
        await using var server = ServerProcess.Start(folder.Path, new Dictionary<string, string> { [TrialProgress.CrashVariable] = "www.csx\tanswering AAAA www-two.example.org.", ["SCRIPTABLE_RescanSeconds"] = "60" },
            "serve", "--listen", "127.0.0.1:0", "--policies", folder.Path);
        var endPoint = await server.WaitListeningAsync();

        folder.Write("example.org/www.csx", "// scriptable: names=www-two\n" + Good.Replace("192.0.2.1", "192.0.2.6", StringComparison.Ordinal));
        folder.Write("example.org/mail.csx", "return Answer.Address(\"192.0.2.26\");");

        await TransportTests.WaitUntil(() => server.Output.Contains("mail.csx' revision 2 loaded", StringComparison.Ordinal)
            && server.Output.Contains("www.csx' failed to load; revision 1 keeps serving", StringComparison.Ordinal), "mail loaded, www kept", 180_000);
        Assert.Contains("192.0.2.26", await AnswerAsync(endPoint, "mail.example.org"), StringComparison.Ordinal);
        Assert.Contains("192.0.2.1", await AnswerAsync(endPoint, "www.example.org"), StringComparison.Ordinal);
        Assert.Contains("www.csx(1,1): error SCR0303: the trial of this version was stopped while answering AAAA www-two.example.org.", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("mail.csx(1,1): error SCR030", server.Output, StringComparison.Ordinal);
    }

    private static async Task<string> AnswerAsync(System.Net.IPEndPoint endPoint, string name)
    {
        var response = await DnsWire.UdpAsync(endPoint, RawQuery.Build(name, RecordType.A), 5000);
        Assert.NotNull(response);
        var message = Responses.Parse(response);
        return message.AnswerRecords.Count == 0 ? message.ReturnCode.ToString() : message.AnswerRecords[^1].ToString();
    }

    [Fact]
    public async Task Start_WithAPolicyThatTakesForeverToCompile_StoppedAtTheTimeout()
    {
        // Each level of lambdas multiplies the compiler's work by the number of overloads (finding 7).
        const string Slow = """
            static int F(Func<int, int> f) => 1;
            static int F(Func<long, int> f) => 2;
            static int F(Func<short, int> f) => 3;
            static int F(Func<byte, int> f) => 4;
            var x = F(a => F(b => F(c => F(d => F(e => F(g => F(h => F(i => F(j => 0)))))))));
            return Answer.Static;
            """;
        await using var server = await TestServer.StartWithFilesAsync([("example.org/www.csx", Slow), ("example.org/mail.csx", "return Answer.Address(\"192.0.2.25\");")],
            o => o.Policy.Trial.CompileTimeoutSeconds = 1);

        Assert.Contains("192.0.2.25", await AnswerAsync(server, "mail.example.org"), StringComparison.Ordinal);
        Assert.Contains(server.Logs.Messages, m => m.Contains("www.csx(1,1): error SCR0301", StringComparison.Ordinal) || m.Contains("www.csx(1,1): error SCR0304", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Save_PolicyOverTheSizeCap_RefusedWithoutATrial()
    {
        await using var server = await TestServer.StartWithFilesAsync([("example.org/www.csx", Good)], o =>
        {
            o.RescanSeconds = 60;
            o.Policy.Trial.MaxSourceKilobytes = 4;
        });

        server.Write("example.org/www.csx", "// " + new string('x', 8 * 1024) + "\n" + Good);
        await WaitForLogAsync(server, "revision 1 keeps serving");
        Assert.Contains(server.Logs.Messages, m => m.Contains("www.csx(1,1): error SCR0300", StringComparison.Ordinal) && m.Contains("at most 4 KiB", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Save_FailingFixtureCase_NeverServes()
    {
        await using var server = await TestServer.StartWithFilesAsync([
            ("example.org/www.csx", Good),
            ("example.org/www.fixtures.yaml", "cases:\n  - case: everyone gets 192.0.2.1\n    expect:\n      answer: [A 192.0.2.1]\n")], o => o.RescanSeconds = 60);

        server.Write("example.org/www.csx", Good.Replace("192.0.2.1", "192.0.2.9", StringComparison.Ordinal));
        await WaitForLogAsync(server, "revision 1 keeps serving");

        Assert.Contains(server.Logs.Messages, m => m.Contains("www.fixtures.yaml(2,1): error SCR0306", StringComparison.Ordinal));
        Assert.Contains("192.0.2.1", await AnswerAsync(server, "www.example.org"), StringComparison.Ordinal);
    }
}
