using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// <c>scriptable check</c>, <c>test</c> and <c>query</c> run policy code, so they run it in a watched child
/// process (issue 14): a policy that overflows the stack or hangs cannot take the CI job with it, and the
/// command says which policy and which step did it.
/// </summary>
public sealed class TrialCliTests : IDisposable
{
    private readonly TempFolder _folder = TempFolder.WithExampleZone(("example.org/mail.csx", "return Answer.Address(\"192.0.2.25\");"));

    public void Dispose() => _folder.Dispose();

    /// <summary>Hangs in framework code for Japan only (the text of 200,000 nested tuples, built by concatenating ever longer strings: about 10^11 characters copied).</summary>
    private const string HangsForJapan = """
        static readonly object Nest = Build();
        static object Build() { object t = 1; for (var i = 0; i < 200_000; i++) t = (t, 1); return t; }
        if (ctx.Geo.CountryCode == "JP") return Answer.Address("192.0.2." + (Nest.ToString()!.Length & 127));
        return Answer.Address("192.0.2.2");
        """;

    /// <summary>
    /// The crash a policy can no longer cause, injected: the process dies at the first question of www from Japan
    /// (the folder's mail.csx is asked too, and must not crash).
    /// </summary>
    private static readonly Dictionary<string, string> CrashForJapan = new() { [Scriptable.Engine.Trial.TrialProgress.CrashVariable] = "www.example.org. from 127.0.0.1 (JP" };

    private static async Task<(int Exit, string Output)> RunAsync(string directory, IDictionary<string, string>? environment, params string[] args)
    {
        await using var process = ServerProcess.Start(directory, environment, args);
        Assert.True(await process.WaitForExitAsync(180000), process.Output);
        return (process.ExitCode, process.Output);
    }

    [Fact]
    public async Task Check_PolicyThatHangsOnSomeQuestion_Exit1_NamesIt()
    {
        _folder.Write("example.org/www.csx", HangsForJapan);

        var (exit, output) = await ServerProcess.RunAsync(_folder.Path, "check", _folder.Path);

        Assert.Equal(1, exit);
        Assert.Contains("www.csx(1,1): error SCR0304: stopped while answering ", output, StringComparison.Ordinal);
        Assert.Contains("(JP", output, StringComparison.Ordinal);
        Assert.Contains("s of CPU time (work inside framework code", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ProcessDiesOnSomeQuestion_Exit1_NamesIt()
    {
        _folder.Write("example.org/www.csx", "return Answer.Address(\"192.0.2.2\");");

        var (exit, output) = await RunAsync(_folder.Path, CrashForJapan, "check", _folder.Path);

        Assert.Equal(1, exit);
        Assert.Contains("www.csx(1,1): error SCR0303: stopped while answering ", output, StringComparison.Ordinal);
        Assert.Contains("(JP", output, StringComparison.Ordinal);
        Assert.Contains("it crashed the process (SIGABRT", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_GoodPolicies_Exit0_WithTheTrialSummary()
    {
        _folder.Write("example.org/www.csx", "return Answer.Address(\"192.0.2.1\");");

        var (exit, output) = await ServerProcess.RunAsync(_folder.Path, "check", _folder.Path);

        Assert.True(exit == 0, output);
        Assert.Contains("www.csx' serving www.example.org. (trial: 300 questions, 0 cases, 0 exceptions", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_CaseThatHangs_Exit1_NamesTheCase()
    {
        _folder.Write("example.org/www.csx", HangsForJapan);
        _folder.Write("example.org/www.fixtures.yaml", """
            cases:
              - case: a client in France
                geo: { country: FR }
                expect:
                  answer: [A 192.0.2.2]
              - case: a client in Japan
                geo: { country: JP }
                expect:
                  answer: [A 192.0.2.2]
            """);

        var (exit, output) = await ServerProcess.RunAsync(_folder.Path, "test", _folder.Path);

        Assert.Equal(1, exit);
        Assert.Contains("www.fixtures.yaml(1,1): error SCR0304: stopped while running the case 'a client in Japan' (", output, StringComparison.Ordinal);
        Assert.Contains("www.fixtures.yaml:6)", output, StringComparison.Ordinal);
        Assert.Contains("FAILED: scriptable test was stopped by a policy", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_QuestionThatHangs_Exit1()
    {
        _folder.Write("example.org/www.csx", HangsForJapan);

        var (exit, output) = await ServerProcess.RunAsync(_folder.Path, "query", "www.example.org", "--policies", _folder.Path, "--country", "JP");

        Assert.Equal(1, exit);
        Assert.Contains("error SCR0304: stopped while answering A www.example.org", output, StringComparison.Ordinal);

        (exit, output) = await ServerProcess.RunAsync(_folder.Path, "query", "www.example.org", "--policies", _folder.Path, "--country", "FR");
        Assert.True(exit == 0, output);
        Assert.Contains("192.0.2.2", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_SandboxOff_RunsUnwatchedInProcess()
    {
        // The injected crash needs a watcher; with the sandbox off nobody watches, so the check runs through.
        _folder.Write("example.org/www.csx", "return Answer.Address(\"192.0.2.2\");");
        var environment = new Dictionary<string, string>(CrashForJapan) { ["SCRIPTABLE_SANDBOX"] = "off" };

        var (exit, output) = await RunAsync(_folder.Path, environment, "check", _folder.Path);

        Assert.True(exit == 0, output);
        Assert.Contains("(trial: 300 questions", output, StringComparison.Ordinal);
        Assert.Equal(1, (await RunAsync(_folder.Path, CrashForJapan, "check", _folder.Path)).Exit);
    }
}
