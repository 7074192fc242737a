using Scriptable.Engine.Local;
using Scriptable.Engine.Trial;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Trial;

/// <summary>
/// The in-process part of a trial: fixture cases and synthetic questions through the server's pipeline. What
/// kills a process (stack overflow, hangs in framework code) is tested with real processes in the
/// integration tests (TrialTests).
/// </summary>
public sealed class PolicyTrialTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static PolicyTrialReport Try(TempFolder folder, string policy, TrialSettings? settings = null)
    {
        using var server = LocalServer.Load(folder.Path);
        return PolicyTrial.Run(server, Path.Combine(folder.Path, policy), settings ?? new TrialSettings(), Now);
    }

    [Fact]
    public void Run_GoodPolicy_Passes()
    {
        using var folder = TempFolder.WithExampleZone(("example.org/lb.csx", """
            if (ctx.Geo.ContinentCode == "EU") return Answer.Address("192.0.2.10");
            return Answer.Static;
            """));
        var report = Try(folder, "example.org/lb.csx");
        Assert.True(report.Passed, string.Join("\n", report.Diagnostics));
        Assert.Equal(300, report.Questions);
        Assert.Empty(report.Diagnostics);
    }

    [Theory]
    [InlineData("if (ctx.Geo.CountryCode == \"JP\") { while (true) { } }", "time")]
    [InlineData("static int Deep(int n) => n == 0 ? 0 : 1 + Deep(n - 1);\nif (ctx.Query.Type == DnsType.TXT) return Answer.Address(\"192.0.2.\" + (Deep(1_000_000) & 127));", "stack")]
    [InlineData("if (ctx.Client.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) { var l = new List<byte[]>(); for (var i = 0; i < 100; i++) l.Add(new byte[1024 * 1024]); }", "memory")]
    public void Run_BudgetStopOnSomeQuestion_RejectsAtTheLine(string code, string kind)
    {
        // A generous time budget for the stack and memory rows: on a busy machine they must not run out of time first.
        var time = kind == "time" ? "" : "// scriptable: time=2000ms\n";
        using var folder = TempFolder.WithExampleZone(("example.org/lb.csx", time + code + "\nreturn Answer.Address(\"192.0.2.10\");\n"));
        var report = Try(folder, "example.org/lb.csx");
        Assert.False(report.Passed);
        var error = report.Diagnostics.First(d => d.IsError);
        Assert.Equal("SCR0302", error.Id);
        Assert.EndsWith("lb.csx", error.File, StringComparison.Ordinal);
        Assert.True(error.Line >= 1);
        Assert.Contains($"for its {kind} budget answering ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ExceptionOnSomeQuestions_WarnsOncePerPlace_AndPasses()
    {
        using var folder = TempFolder.WithExampleZone(("example.org/lb.csx", """
            // scriptable: fallback=static
            if (ctx.Geo.CountryCode is null) throw new InvalidOperationException("no country");
            return Answer.Address("192.0.2.10");
            """));
        var report = Try(folder, "example.org/lb.csx");
        Assert.True(report.Passed);
        var warning = Assert.Single(report.Diagnostics);
        Assert.False(warning.IsError);
        Assert.Equal("SCR0307", warning.Id);
        Assert.Equal(2, warning.Line);
        Assert.Contains("no country", warning.Message, StringComparison.Ordinal);
        Assert.True(report.Exceptions > 1);
    }

    [Fact]
    public void Run_FailingCase_RejectsAtTheCase_OrWarnsWhenAllowed()
    {
        using var folder = TempFolder.WithExampleZone(
            ("example.org/lb.csx", "return Answer.Address(\"192.0.2.11\");\n"),
            ("example.org/lb.fixtures.yaml", """
                cases:
                  - case: everyone gets the first address
                    expect:
                      answer: [A 192.0.2.10]
                """));
        var report = Try(folder, "example.org/lb.csx");
        Assert.False(report.Passed);
        var error = Assert.Single(report.Diagnostics);
        Assert.Equal("SCR0306", error.Id);
        Assert.Equal(2, error.Line);
        Assert.EndsWith("lb.fixtures.yaml", error.File, StringComparison.Ordinal);
        Assert.Contains("192.0.2.10", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, report.Cases);

        var lenient = Try(folder, "example.org/lb.csx", new TrialSettings { FixturesMustPass = false });
        Assert.True(lenient.Passed);
        Assert.False(Assert.Single(lenient.Diagnostics).IsError);
    }

    [Fact]
    public void Run_CaseOfAnotherFileAnsweredByThePolicy_Counts()
    {
        using var folder = TempFolder.WithExampleZone(
            ("example.org/lb.csx", "return Answer.Address(\"192.0.2.11\");\n"),
            ("example.org/more.fixtures.yaml", """
                cases:
                  - case: lb answers the first address
                    name: lb.example.org
                    expect:
                      answer: [A 192.0.2.10]
                  - case: static is static
                    name: static.example.org
                    expect:
                      answer: [A 192.0.2.99]
                """));
        var report = Try(folder, "example.org/lb.csx");
        var error = Assert.Single(report.Diagnostics);
        Assert.Equal(2, error.Line);
        Assert.Equal(2, report.Cases);
    }
}
