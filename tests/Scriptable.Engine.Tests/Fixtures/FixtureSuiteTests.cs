using Scriptable.Engine.Fixtures;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Fixtures;

/// <summary>
/// FixtureSuite: finding policies folders and fixture files, loading a folder (and one that does not
/// compile), the default name of a file's cases, filters, and the policies no case reaches.
/// </summary>
public sealed class FixtureSuiteTests : IDisposable
{
    private const string Www = "return Answer.Address(\"192.0.2.10\").WithTtl(30);\n";
    private const string Api = "return Answer.Address(\"192.0.2.11\").WithTtl(30);\n";

    private readonly TempFolder _temp = TempFolder.WithExampleZone();

    public void Dispose() => _temp.Dispose();

    private string Full(string relative) => Path.Combine(_temp.Path, relative);

    [Fact]
    public void FindFolders_TheRootWhenItHoldsAZone_ElseTheFoldersBelowThatDo()
    {
        using var root = new TempFolder();
        root.Write("one/example.org/example.org.zone", TempFolder.ExampleZone);
        root.Write("deeper/two/example.org/example.org.zone", TempFolder.ExampleZone);
        root.Write("_hidden/example.org/example.org.zone", TempFolder.ExampleZone);
        root.Write(".git/x/example.org/example.org.zone", TempFolder.ExampleZone);
        root.Write("notes/readme.txt", "no zone here");

        var found = FixtureSuite.FindFolders(root.Path);

        Assert.Equal([Path.Combine(root.Path, "deeper", "two"), Path.Combine(root.Path, "one")], found);
        Assert.Equal([Path.Combine(root.Path, "one")], FixtureSuite.FindFolders(Path.Combine(root.Path, "one")));
        Assert.True(FixtureSuite.IsPoliciesFolder(Path.Combine(root.Path, "one")));
        Assert.False(FixtureSuite.IsPoliciesFolder(root.Path));
        Assert.False(FixtureSuite.IsPoliciesFolder(Path.Combine(root.Path, "_hidden", "example.org")));
    }

    [Fact]
    public void FindFixtureFiles_EveryFixturesYaml_ButUnderUnderscoreAndDotFolders()
    {
        _temp.Write("example.org/www.fixtures.yaml", "cases: []\n");
        _temp.Write("example.org/more/api.fixtures.yaml", "cases: []\n");
        _temp.Write("example.org/_drafts/old.fixtures.yaml", "cases: []\n");
        _temp.Write(".cache/x.fixtures.yaml", "cases: []\n");
        _temp.Write("example.org/www.yaml", "not a fixture file\n");

        Assert.Equal(
            [Full("example.org/more/api.fixtures.yaml"), Full("example.org/www.fixtures.yaml")],
            FixtureSuite.FindFixtureFiles(_temp.Path));
    }

    [Fact]
    public void Load_CasesAskThePolicyBesideTheirFile_AndOtherNamesWhenGiven()
    {
        _temp.Write("example.org/www.csx", Www);
        _temp.Write("example.org/api.csx", Api);
        _temp.Write("example.org/www.fixtures.yaml", "cases:\n  - case: w\n    expect: { answer: [A 192.0.2.10] }\n  - case: static mail\n    name: mail.example.org\n    expect: { answer: [A 192.0.2.25] }\n");
        _temp.Write("example.org/api.fixtures.yaml", "cases:\n  - case: a\n    expect: { answer: [A 192.0.2.11] }\n");

        using var suite = FixtureSuite.Load(_temp.Path);
        var run = suite.Run();

        Assert.Empty(suite.LoadErrors);
        Assert.NotNull(suite.Server);
        Assert.Equal(2, suite.Files.Count);
        Assert.Equal(["a", "w", "static mail"], run.Outcomes.Select(o => o.Case.Name));
        Assert.Equal(["api.example.org.", "www.example.org.", "mail.example.org"], run.Outcomes.Select(o => o.Case.Question.Name));
        Assert.All(run.Outcomes, o => Assert.True(o.Status == FixtureStatus.Passed, o.ToString()));
        Assert.Equal((3, 0, 0), (run.Passed, run.Failed, run.Skipped));
        Assert.True(run.Succeeded);
        Assert.Empty(run.Uncovered);
    }

    // A policy's own fixture file asks the policy's name even when the server at hand does not serve that policy
    // (a trial's server holds only some of the folder's policies; here a glob leaves it out): never the name of
    // the one other policy the folder serves.
    [Fact]
    public void DefaultName_APolicysOwnFileWhosePolicyIsNotServed_ItsOwnName()
    {
        _temp.Write("example.org/www.csx", Www);
        _temp.Write("example.org/api.csx", Api);

        using var server = Engine.Local.LocalServer.Load(_temp.Path, policyOptions: new Engine.Policies.PolicyOptions { Include = ["**/www.csx"] });

        Assert.Equal("api.example.org.", FixtureSuite.DefaultName(server, Full("example.org/api.fixtures.yaml")));
        Assert.Equal("www.example.org.", FixtureSuite.DefaultName(server, Full("example.org/more.fixtures.yaml")));
    }

    [Fact]
    public void Load_AFileNamedAfterNoPolicy_AsksTheFoldersOnlyPolicy_ElseSaysToName()
    {
        const string More = "cases:\n  - case: more\n    expect: { answer: [A 192.0.2.10] }\n";
        _temp.Write("example.org/www.csx", Www);
        _temp.Write("example.org/more.fixtures.yaml", More);
        using (var suite = FixtureSuite.Load(_temp.Path))
        {
            var outcome = Assert.Single(suite.Run().Outcomes);
            Assert.Equal("www.example.org.", outcome.Case.Question.Name);
            Assert.Equal(FixtureStatus.Passed, outcome.Status);
        }

        // Two policies in the folder: which one is meant is not guessed.
        _temp.Write("example.org/api.csx", Api);
        using (var suite = FixtureSuite.Load(_temp.Path))
        {
            var file = Assert.Single(suite.Files);
            Assert.True(file.HasErrors);
            Assert.Contains(file.Diagnostics, d => d.ToString().Contains("error FIX006: the case asks no name", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Run_Filter_RunsOnlyTheCasesItKeeps_AndReportsNoUncoveredPolicy()
    {
        _temp.Write("example.org/www.csx", Www);
        _temp.Write("example.org/api.csx", Api);
        _temp.Write("example.org/www.fixtures.yaml", """
            cases:
              - case: alpha right
                expect: { answer: [A 192.0.2.10] }
              - case: beta wrong
                expect: { answer: [A 192.0.2.99] }
              - case: alpha wrong
                expect: { answer: [A 192.0.2.98] }
            """);

        using var suite = FixtureSuite.Load(_temp.Path);
        var alpha = suite.Run(c => c.Name.StartsWith("alpha", StringComparison.Ordinal));
        var right = suite.Run(c => c.Name == "alpha right");
        var all = suite.Run();

        Assert.Equal(["alpha right", "alpha wrong"], alpha.Outcomes.Select(o => o.Case.Name));
        Assert.Equal((1, 1), (alpha.Passed, alpha.Failed));
        Assert.Empty(alpha.Uncovered);
        Assert.True(right.Succeeded);
        Assert.Equal(3, all.Outcomes.Count);
        Assert.Equal((1, 2), (all.Passed, all.Failed));
        Assert.False(all.Succeeded);

        // Without a filter, api.csx (which no case asks) is reported.
        Assert.Equal([$"{Full("example.org/api.csx")} (api.example.org.)"], all.Uncovered);
    }

    [Fact]
    public void PolicyWithoutFixtures_IsReportedAsUncovered_EvenWithNoFixtureFileAtAll()
    {
        _temp.Write("example.org/www.csx", Www);
        _temp.Write("example.org/*.wild.csx", Api);

        using var suite = FixtureSuite.Load(_temp.Path);
        var run = suite.Run();

        Assert.Empty(suite.Files);
        Assert.Empty(run.Outcomes);
        Assert.True(run.Succeeded);
        Assert.Equal(
            [$"{Full("example.org/*.wild.csx")} (*.wild.example.org.)", $"{Full("example.org/www.csx")} (www.example.org.)"],
            run.Uncovered);
    }

    [Fact]
    public void CaseAnsweredByTheZone_DoesNotCoverThePolicy()
    {
        _temp.Write("example.org/www.csx", Www);
        _temp.Write("example.org/www.fixtures.yaml", "cases:\n  - case: the zone\n    name: mail.example.org\n    expect: { answered-by: zone }\n");

        using var suite = FixtureSuite.Load(_temp.Path);
        var run = suite.Run();

        Assert.True(run.Succeeded);
        Assert.Equal([$"{Full("example.org/www.csx")} (www.example.org.)"], run.Uncovered);
    }

    [Fact]
    public void PolicyThatDoesNotCompile_EveryCaseFailsWithTheCompilerError()
    {
        _temp.Write("example.org/www.csx", "var x = 1;\nreturn Answer.Address(\"192.0.2.10\")\n");
        _temp.Write("example.org/www.fixtures.yaml", """
            cases:
              - case: would pass
                expect: { answer: [A 192.0.2.10] }
              - case: skipped all the same
                skip: not now
                expect: { answer: [A 192.0.2.10] }
            """);

        using var suite = FixtureSuite.Load(_temp.Path);
        var run = suite.Run();

        Assert.Null(suite.Server);
        var error = Assert.Single(suite.LoadErrors);
        Assert.Equal($"{Full("example.org/www.csx")}(2,36): error CS1002: ; expected", error);

        // The fixture file is still read, its cases named from its place beside www.csx.
        var file = Assert.Single(suite.Files);
        Assert.False(file.HasErrors);
        var failed = Assert.Single(run.Outcomes, o => o.Case.Name == "would pass");
        Assert.Equal("www.example.org.", failed.Case.Question.Name);
        Assert.Equal(FixtureStatus.Failed, failed.Status);
        Assert.Equal(["the folder does not load: " + error], failed.Diff);
        Assert.Null(failed.Answer);
        Assert.Contains("FAIL 'would pass'", failed.ToString(), StringComparison.Ordinal);
        Assert.False(run.Succeeded);
        Assert.Empty(run.Uncovered);
    }

    [Fact]
    public void ZoneThatDoesNotLoad_IsALoadErrorWithItsLine()
    {
        _temp.Write("example.org/example.org.zone", TempFolder.ExampleZone + "\nbroken IN A 999.0.2.1\n");
        _temp.Write("example.org/www.fixtures.yaml", "cases:\n  - case: c\n    expect: { rcode: NOERROR }\n");

        using var suite = FixtureSuite.Load(_temp.Path);

        Assert.Null(suite.Server);
        Assert.Contains(suite.LoadErrors, e => e.Contains("example.org.zone", StringComparison.Ordinal) && e.Contains("999.0.2.1", StringComparison.Ordinal));
        Assert.False(suite.Run().Succeeded);
    }

    [Fact]
    public void FixtureFileWithErrors_RunsNoCase_AndTheRunDoesNotSucceed()
    {
        _temp.Write("example.org/www.csx", Www);
        _temp.Write("example.org/www.fixtures.yaml", "cases:\n  - case: right\n    exepct: { answer: [A 192.0.2.10] }\n");
        _temp.Write("example.org/good.fixtures.yaml", "cases:\n  - case: fine\n    name: www.example.org\n    expect: { answer: [A 192.0.2.10] }\n");

        using var suite = FixtureSuite.Load(_temp.Path);
        var run = suite.Run();

        var bad = Assert.Single(suite.Files, f => f.HasErrors);
        Assert.EndsWith("www.fixtures.yaml", bad.File, StringComparison.Ordinal);
        Assert.Contains(bad.Diagnostics, d => d.ToString().Contains("(3,5): error FIX003", StringComparison.Ordinal));
        Assert.Equal(["fine"], run.Outcomes.Select(o => o.Case.Name));
        Assert.Equal(0, run.Failed);
        Assert.False(run.Succeeded);
    }

    [Fact]
    public void ShownPath_RelativeUnderTheCurrentFolder_ElseFull()
    {
        var inside = Path.Combine(Environment.CurrentDirectory, "a", "b.fixtures.yaml");
        Assert.Equal(Path.Combine("a", "b.fixtures.yaml"), Scriptable.Engine.Local.ShownPath.Of(inside));
        var outside = Path.Combine(Path.GetPathRoot(Environment.CurrentDirectory)!, "elsewhere-" + Guid.NewGuid().ToString("N"), "x.yaml");
        Assert.Equal(outside, Scriptable.Engine.Local.ShownPath.Of(outside));
        Assert.Equal(Path.Combine("a", "b.fixtures.yaml"), Scriptable.Engine.Local.ShownPath.Of(Path.Combine(".", "a", "b.fixtures.yaml")));
    }
}
