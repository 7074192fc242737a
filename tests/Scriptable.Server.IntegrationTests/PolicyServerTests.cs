using System.Diagnostics;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>Policies served by the real server over UDP and TCP: startup, hot reload, failures.</summary>
public sealed class PolicyServerTests
{
    private static string V(int last) => $"return Answer.Address(\"192.0.2.{last}\").WithTtl(5);";

    private static async Task<string?> AnswerAsync(TestServer server, string name, ushort type = RecordType.A)
    {
        var response = await server.UdpAsync(RawQuery.Build(name, type), 3000);
        Assert.NotNull(response);
        var message = Responses.Parse(response);
        return message.AnswerRecords.Count == 0 ? message.ReturnCode.ToString() : message.AnswerRecords[^1].ToString();
    }

    private static async Task WaitForAnswerAsync(TestServer server, string name, string expected)
    {
        var watch = Stopwatch.StartNew();
        string? last = null;
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            last = await AnswerAsync(server, name);
            if (last is not null && last.Contains(expected, StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"'{name}' never answered '{expected}'; last answer: {last}\n{string.Join('\n', server.Logs.Messages)}");
    }

    [Fact]
    public async Task Start_BrokenPolicy_OthersServeAndItAnswersFallback()
    {
        await using var server = await TestServer.StartWithFilesAsync([
            ("example.org/www.csx", "return Answer.Address(\"192.0.2.1\")"),
            ("example.org/mail.csx", V(25)),
            ("example.org/api.csx", "// scriptable: fallback=nxdomain\nreturn 42;")]);

        Assert.Equal("ServerFailure", await AnswerAsync(server, "www.example.org"));
        Assert.Equal("NxDomain", await AnswerAsync(server, "api.example.org"));
        Assert.Contains("192.0.2.25", await AnswerAsync(server, "mail.example.org"), StringComparison.Ordinal);
        Assert.Contains("192.0.2.1", await AnswerAsync(server, "static.example.org"), StringComparison.Ordinal);
        Assert.Contains(server.Logs.Messages, m => m.Contains("www.csx(1,35): error CS1002: ; expected", StringComparison.Ordinal));
    }

    /// <summary>
    /// <c>ctx.Note($"...")</c> is not even formatted while serving (a value whose ToString throws changes nothing),
    /// and is when someone asks why (the local server, as <c>scriptable query</c> and fixtures use it).
    /// </summary>
    [Fact]
    public async Task Note_FormattedOnlyWhenSomeoneAsksWhy()
    {
        const string Policy = """
            // scriptable: fallback=nxdomain
            class Boom { public override string ToString() => throw new InvalidOperationException("formatted"); }
            ctx.Note("plain text costs nothing either");
            ctx.Note($"the client is {new Boom()}");
            return Answer.Address("192.0.2.7");
            """;
        await using var server = await TestServer.StartWithFilesAsync([("example.org/www.csx", Policy)]);

        Assert.Contains("192.0.2.7", await AnswerAsync(server, "www.example.org"), StringComparison.Ordinal);

        using var local = Scriptable.Engine.Local.LocalServer.Load(server.Policies);
        var answer = local.Ask(new Scriptable.Engine.Local.LocalQuestion("www.example.org"));
        Assert.Equal("NXDOMAIN", answer.Rcode);
        Assert.Equal("fallback", answer.Why.Source);
        Assert.Contains("InvalidOperationException", answer.Why.PolicyNote, StringComparison.Ordinal);
        Assert.Equal(["plain text costs nothing either"], answer.Why.Notes);
    }

    [Fact]
    public async Task Save_ChangedPolicy_NewAnswerServed()
    {
        await using var server = await TestServer.StartWithFilesAsync([("example.org/www.csx", V(1))], o => o.RescanSeconds = 60);
        Assert.Contains("192.0.2.1", await AnswerAsync(server, "www.example.org"), StringComparison.Ordinal);

        server.Write("example.org/www.csx", V(2));

        await WaitForAnswerAsync(server, "www.example.org", "192.0.2.2");
        Assert.Contains(server.Logs.Messages, m => m.Contains("www.csx' revision 2 loaded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Save_SyntaxError_OldVersionKeepsServingAndErrorLogged()
    {
        await using var server = await TestServer.StartWithFilesAsync([("example.org/www.csx", V(1))], o => o.RescanSeconds = 60);

        server.Write("example.org/www.csx", "var x = ;\n" + V(2));
        // The diagnostic is logged first, then the outcome: wait for both.
        await TransportTests.WaitUntil(() => server.Logs.Messages.Any(m => m.Contains("revision 1 keeps serving", StringComparison.Ordinal)), "old version kept", 60000);

        Assert.Contains(server.Logs.Messages, m => m.Contains("www.csx(1,9): error CS1525", StringComparison.Ordinal));
        Assert.Contains("192.0.2.1", await AnswerAsync(server, "www.example.org"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rescan_MissedEvent_StillReloads()
    {
        // No watcher at all: only the periodic rescan can see the change.
        await using var server = await TestServer.StartWithFilesAsync([("example.org/www.csx", V(1))], o => o.RescanSeconds = 0.2);
        server.Write("example.org/www.csx", V(3));

        await WaitForAnswerAsync(server, "www.example.org", "192.0.2.3");
    }

    [Fact]
    public async Task Add_Rename_Delete_TakeEffect()
    {
        await using var server = await TestServer.StartWithFilesAsync([], o => o.RescanSeconds = 60);
        Assert.Contains("192.0.2.80", await AnswerAsync(server, "www.example.org"), StringComparison.Ordinal);

        server.Write("example.org/www.csx", V(4));
        await WaitForAnswerAsync(server, "www.example.org", "192.0.2.4");

        File.Move(Path.Combine(server.Policies, "example.org", "www.csx"), Path.Combine(server.Policies, "example.org", "mail.csx"));
        await WaitForAnswerAsync(server, "mail.example.org", "192.0.2.4");
        await WaitForAnswerAsync(server, "www.example.org", "192.0.2.80");

        File.Delete(Path.Combine(server.Policies, "example.org", "mail.csx"));
        await WaitForAnswerAsync(server, "mail.example.org", "192.0.2.25");
    }

    [Fact]
    public async Task Throwing_Policy_FallbackCountedAndLoggedOncePerBurst()
    {
        await using var server = await TestServer.StartWithFilesAsync([("example.org/www.csx", "static int n;\nif (++n > 0) throw new InvalidOperationException(\"boom\");\nreturn Answer.Static;")]);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("ServerFailure", await AnswerAsync(server, "www.example.org"));
        }

        var stats = server.Server.Policies.Stats.Single();
        Assert.Equal(20, stats.Exceptions);
        Assert.Equal(20, stats.Fallbacks);
        var logged = server.Logs.Messages.Where(m => m.Contains("Policy 'www.example.org.' revision 1 failed at", StringComparison.Ordinal)).ToList();
        Assert.Single(logged);
        Assert.Contains("www.csx:line 2: InvalidOperationException: boom", logged[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dig_PolicyWithSubnet_AnswerAndScope()
    {
        await using var server = await TestServer.StartWithFilesAsync([("example.org/www.csx", """
            static readonly Answer Near = Answer.Address("198.51.100.20"), Far = Answer.Address("203.0.113.30");
            static readonly IPNetwork Europe = IPNetwork.Parse("81.2.69.0/24");
            return Europe.Contains(ctx.Client.Network.BaseAddress) ? Near : Far;
            """)]);

        var (code, output, _) = await ExternalTool.RunAsync("dig", ["@127.0.0.1", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "www.example.org", "A", "+subnet=81.2.69.160/27", "+norec", "+time=2", "+tries=1"]);

        Assert.Equal(0, code);
        Assert.Contains("CLIENT-SUBNET: 81.2.69.160/27/27", output, StringComparison.Ordinal);
        Assert.Matches(@"www\.example\.org\.\s+60\s+IN\s+A\s+198\.51\.100\.20", output);
    }

    [Theory]
    [InlineData("while (true) { }", "Time")]
    [InlineData("int Down(int n) => Down(n + 1) + 1;\nreturn Answer.Address($\"192.0.2.{Down(0)}\");", "Stack")]
    [InlineData("var big = new byte[int.MaxValue];\nreturn Answer.Static;", "Memory")]
    [InlineData("var list = new List<byte[]>();\nwhile (true) list.Add(new byte[1_000_000]);", "Memory")]
    [InlineData("try { while (true) { } } catch (Exception) { }\nreturn Answer.Static;", "Time")]
    [InlineData("throw new InvalidOperationException(\"boom\");", "Exception")]
    public async Task Runaway_Policy_FallbackWhileOthersKeepAnswering(string code, string kind)
    {
        // Without the trial, which would not let such a version serve at all (TrialTests): this is what happens to
        // one that slips past it.
        await using var server = await TestServer.StartWithFilesAsync([
            ("example.org/www.csx", "// scriptable: fallback=static time=20ms\n" + code),
            ("example.org/mail.csx", V(26))], o => o.Policy.Trial.Enabled = false);

        // Hammer the runaway name from several clients while asking the others.
        var runaway = Enumerable.Range(0, 8).Select(_ => AnswerAsync(server, "www.example.org")).ToList();
        Assert.Contains("192.0.2.26", await AnswerAsync(server, "mail.example.org"), StringComparison.Ordinal);
        Assert.Contains("192.0.2.1", await AnswerAsync(server, "static.example.org"), StringComparison.Ordinal);
        foreach (var answer in await Task.WhenAll(runaway))
        {
            // The fallback is the zone's static record for www.
            Assert.Contains("192.0.2.80", answer, StringComparison.Ordinal);
        }

        var stats = server.Server.Policies.Stats.Single(s => s.Name == "www.example.org");
        Assert.Equal(8, stats.Fallbacks);
        if (kind == "Exception")
        {
            Assert.Equal(8, stats.Exceptions);
        }
        else
        {
            Assert.InRange(stats.BudgetStops, 1, 8);
            Assert.True(server.Logs.Messages.Any(m => m.Contains("BudgetExceededException", StringComparison.Ordinal) && m.Contains(kind.ToLowerInvariant(), StringComparison.OrdinalIgnoreCase)), string.Join("\n", server.Logs.Messages));
        }

        Assert.Equal(0, server.Failures);
    }
}
