using System.Net;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// "Kill -9 during a crashing policy's query, restart: the previous good version serves within one start." The
/// real <c>scriptable serve</c> process: a good version serves; a bad one is saved (it passes its trial) that, on
/// one particular question (a name under its wildcard nobody would guess, so no trial asks it), keeps the process
/// busy in policy code or stuck in framework code; <c>kill -9</c> then; the restart quarantines the bad version
/// without trying it again, says why, and the good one answers its first query. (No policy known crashes the
/// process by itself any more: the row that overflowed the stack in a record's compiler-written
/// <c>GetHashCode</c> is now stopped by the IL pass; a death by crash leaves the journal as <c>kill -9</c> does.)
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private const string Trigger = "boom-3c1f.dyn.example.org";

    private static readonly Dictionary<string, string> BadVersions = new()
    {
        // Busy in policy code for up to its (long) budget: the kill comes while it runs.
        ["kill while running"] = """
            // scriptable: time=10s
            if (ctx.Query.Name.StartsWith("boom-3c1f.", StringComparison.Ordinal))
            {
                while (true) { }
            }

            return Answer.Address("192.0.2.2");
            """,

        // Stuck in framework code the budget cannot stop; the watchdog names it stuck in the journal, then the kill.
        // (The text of 200,000 nested tuples, built by concatenating ever longer strings inside the framework: about
        // 10^11 characters copied with no budget check.)
        ["kill while stuck"] = """
            static readonly object Nest = Build();
            static object Build() { object t = 1; for (var i = 0; i < 200_000; i++) t = (t, 1); return t; }
            if (ctx.Query.Name.StartsWith("boom-3c1f.", StringComparison.Ordinal))
            {
                return Answer.Address($"192.0.2.{Nest.ToString()!.Length & 0x7f}");
            }

            return Answer.Address("192.0.2.2");
            """,
    };

    private readonly string _work = Directory.CreateTempSubdirectory("scriptable-crash-").FullName;
    private readonly string _policies;
    private readonly string _state;

    public CrashRecoveryTests()
    {
        _policies = Path.Combine(_work, "policies");
        _state = Path.Combine(_work, "state");
        Directory.CreateDirectory(Path.Combine(_policies, "example.org"));
        File.WriteAllText(Path.Combine(_policies, "example.org", "example.org.zone"), TempFolder.ExampleZone);
        Write("return Answer.Address(\"192.0.2.1\");");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Write(string policy)
    {
        var file = Path.Combine(_policies, "example.org", "*.dyn.csx");
        File.WriteAllText(file + ".tmp~", policy);
        File.Move(file + ".tmp~", file, overwrite: true);
    }

    private async Task<ServerProcess> StartAsync()
    {
        var server = ServerProcess.Start(_work, new Dictionary<string, string> { ["SCRIPTABLE_StateDirectory"] = _state, ["SCRIPTABLE_RescanSeconds"] = "0.2" },
            "serve", "--listen", "127.0.0.1:0", "--policies", _policies);
        await server.WaitListeningAsync(120000);
        return server;
    }

    private static async Task<string?> AnswerAsync(IPEndPoint endPoint, string name, int timeoutMs = 3000)
    {
        var response = await DnsWire.UdpAsync(endPoint, RawQuery.Build(name, RecordType.A), timeoutMs);
        if (response is null)
        {
            return null;
        }

        var message = Responses.Parse(response);
        return message.AnswerRecords.Count == 0 ? message.ReturnCode.ToString() : message.AnswerRecords[^1].ToString();
    }

    private static async Task WaitForAnswerAsync(IPEndPoint endPoint, string name, string expected, ServerProcess server)
    {
        string? last = null;
        for (var i = 0; i < 300; i++)
        {
            last = await AnswerAsync(endPoint, name);
            if (last?.Contains(expected, StringComparison.Ordinal) == true)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"'{name}' never answered '{expected}' (last: {last})\n{server.Output}");
    }

    /// <summary>
    /// A restart with the folder unchanged: every version loads from the last-good store, without compiling and
    /// without a trial (each passed one when it first went live), and answers the first query.
    /// </summary>
    [Fact]
    public async Task Restart_UnchangedFolder_StoredVersionsServeWithoutATrial()
    {
        await using (var first = await StartAsync())
        {
            var endPoint = await first.WaitListeningAsync();
            Assert.Contains("192.0.2.1", await AnswerAsync(endPoint, "a.dyn.example.org"), StringComparison.Ordinal);
            Assert.Contains("passed its trial", first.Output, StringComparison.Ordinal);
            await first.SignalAsync("TERM");
            Assert.True(await first.WaitForExitAsync(30000), first.Output);
        }

        await using var second = await StartAsync();
        var restarted = await second.WaitListeningAsync();

        Assert.Contains("192.0.2.1", await AnswerAsync(restarted, "a.dyn.example.org"), StringComparison.Ordinal);
        Assert.Contains("loads from the last-good store: it passed its trial", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(" its trial: ", second.Output, StringComparison.Ordinal);

        // A changed file is a new version: it is tried before it serves.
        Write("return Answer.Address(\"192.0.2.3\");");
        await WaitForAnswerAsync(restarted, "a.dyn.example.org", "192.0.2.3", second);
        Assert.Contains("passed its trial", second.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A bad version saved while the server was down (or by another node sharing the folder): at the next start it
    /// fails, and the last good version serves instead of the fallback, until a version that passes is saved.
    /// </summary>
    [Theory]
    [InlineData("return Answer.Address(\"192.0.2.\" + ;", "CS1525")]
    [InlineData("record Node { public Node? Next { get; set; } }\nstatic readonly int H = Make().GetHashCode();\nstatic Node Make() { var n = new Node(); n.Next = n; return n; }\nreturn Answer.Address(\"192.0.2.9\");", "SCR0200")]
    [InlineData("if (ctx.Query.Type == DnsType.AAAA) { var n = 0L; while (true) n++; }\nreturn Answer.Address(\"192.0.2.9\");", "SCR0302")]
    public async Task Restart_WithABadVersionSavedMeanwhile_LastGoodVersionServes(string bad, string id)
    {
        await using (var first = await StartAsync())
        {
            var endPoint = await first.WaitListeningAsync();
            Assert.Contains("192.0.2.1", await AnswerAsync(endPoint, "a.dyn.example.org"), StringComparison.Ordinal);
            await first.SignalAsync("TERM");
            Assert.True(await first.WaitForExitAsync(30000), first.Output);
        }

        Write(bad);
        await using var second = await StartAsync();
        var restarted = await second.WaitListeningAsync();

        Assert.Contains("192.0.2.1", await AnswerAsync(restarted, "a.dyn.example.org"), StringComparison.Ordinal);
        Assert.Contains(" error " + id, second.Output, StringComparison.Ordinal);
        Assert.Contains("warning SCR0401: this content does not serve (above); its last good version", second.Output, StringComparison.Ordinal);

        // Fixed: the next save serves.
        Write("return Answer.Address(\"192.0.2.4\");");
        await WaitForAnswerAsync(restarted, "a.dyn.example.org", "192.0.2.4", second);
    }

    [Theory]
    [InlineData("kill while running")]
    [InlineData("kill while stuck")]
    public async Task Restart_AfterDyingInAPolicy_PreviousGoodVersionServesFromTheFirstQuery(string how)
    {
        string died;
        await using (var first = await StartAsync())
        {
            var endPoint = await first.WaitListeningAsync();
            Assert.Contains("192.0.2.1", await AnswerAsync(endPoint, "a.dyn.example.org"), StringComparison.Ordinal);
            Write(BadVersions[how]);
            await WaitForAnswerAsync(endPoint, "a.dyn.example.org", "192.0.2.2", first);

            _ = AnswerAsync(endPoint, Trigger, 1000);
            if (how == "kill while stuck")
            {
                for (var i = 0; i < 300 && !first.Output.Contains("has been stuck in policy", StringComparison.Ordinal); i++)
                {
                    await Task.Delay(100);
                }

                Assert.Contains("has been stuck in policy", first.Output, StringComparison.Ordinal);
            }
            else
            {
                // Well inside its 10 s budget.
                await Task.Delay(1500);
            }

            await first.SignalAsync("KILL");
            Assert.True(await first.WaitForExitAsync(30000));
            died = first.Output;
        }

        await using var second = await StartAsync();
        var restarted = await second.WaitListeningAsync();

        // The first query is answered by the previous good version.
        var answer = await AnswerAsync(restarted, "a.dyn.example.org");
        Assert.True(answer?.Contains("192.0.2.1", StringComparison.Ordinal) == true, $"first answer after the restart: {answer}\n--- first run:\n{died}\n--- second run:\n{second.Output}");
        Assert.Contains("is quarantined: ", second.Output, StringComparison.Ordinal);
        Assert.Contains($"{Trigger}. A from 127.0.0.1 over udp", second.Output, StringComparison.Ordinal);
        Assert.Contains(how == "kill while stuck" ? "a query was stuck in it" : "the server died while it was answering a query", second.Output, StringComparison.Ordinal);
        Assert.Contains("error SCR0400: this version (content", second.Output, StringComparison.Ordinal);
        Assert.Contains("Its previous good version (content", second.Output, StringComparison.Ordinal);

        // Neither the quarantined version nor the stored good one is tried at this start: the first is recognised
        // by its content before any compile, the second passed its trial when it first went live.
        Assert.DoesNotContain(" its trial: ", second.Output, StringComparison.Ordinal);

        // The trigger no longer reaches the bad version; a changed file is a new version and serves.
        var trigger = await AnswerAsync(restarted, Trigger);
        Assert.True(trigger?.Contains("192.0.2.1", StringComparison.Ordinal) == true, $"the trigger after the restart: {trigger}\n{second.Output}");
        Write("return Answer.Address(\"192.0.2.3\");");
        await WaitForAnswerAsync(restarted, "a.dyn.example.org", "192.0.2.3", second);
    }
}
