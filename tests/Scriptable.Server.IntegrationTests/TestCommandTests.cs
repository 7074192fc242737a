using System.Text.RegularExpressions;
using System.Xml.Linq;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// <c>scriptable test</c> run as a process: the examples pass; a broken copy fails with <c>file:line: FAIL</c>
/// lines and an indented diff; <c>--filter</c>, <c>--junit</c>, <c>--strict</c>; folders that do not compile or
/// have no fixtures; usage errors (exit 2).
/// </summary>
public sealed partial class TestCommandTests : IDisposable
{
    private const string Zone = """
        $ORIGIN example.org.
        $TTL 300
        @    IN SOA ns1 hostmaster 1 3600 600 604800 60
             IN NS  ns1
        ns1  IN A   192.0.2.53
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("scriptable-test-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Task<(int Exit, string Output)> RunAsync(string workingDirectory, params string[] args) =>
        ServerProcess.RunAsync(workingDirectory, args);

    /// <summary>geo-failover copied to the temp folder, with Europe's IPv4 address 198.51.100.20 changed to .21.</summary>
    private string BrokenGeoFailover()
    {
        var copy = Path.Combine(_directory, "geo-failover");
        FolderCopy.Tree(RepositoryPaths.Combine("examples", "geo-failover"), copy);
        var policy = Path.Combine(copy, "example.com", "www.csx");
        var text = File.ReadAllText(policy);
        Assert.Contains("\"198.51.100.20\"", text, StringComparison.Ordinal);
        File.WriteAllText(policy, text.Replace("\"198.51.100.20\"", "\"198.51.100.21\"", StringComparison.Ordinal));
        return copy;
    }

    /// <summary>The cases of a fixture file as written: name and line, read with a regex rather than the parser.</summary>
    private static List<(string Name, int Line, string Text)> CasesOf(string file)
    {
        var lines = File.ReadAllLines(file);
        var cases = new List<(string, int, string)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var match = CaseLine().Match(lines[i]);
            if (match.Success)
            {
                var end = i + 1;
                while (end < lines.Length && !CaseLine().IsMatch(lines[end]))
                {
                    end++;
                }

                cases.Add((match.Groups[1].Value.Trim(), i + 1, string.Join('\n', lines[i..end])));
            }
        }

        return cases;
    }

    private string WriteFolder(string name, params (string File, string Text)[] files)
    {
        var folder = Path.Combine(_directory, name);
        Directory.CreateDirectory(Path.Combine(folder, "example.org"));
        File.WriteAllText(Path.Combine(folder, "example.org", "example.org.zone"), Zone);
        foreach (var (file, text) in files)
        {
            File.WriteAllText(Path.Combine(folder, file), text);
        }

        return folder;
    }

    [Fact]
    public async Task Examples_AllPass_ExitZero_WithTheSummaryLine()
    {
        var examples = RepositoryPaths.Combine("examples");
        var fixtureFiles = Directory.GetFiles(examples, "*.fixtures.yaml", SearchOption.AllDirectories);
        var folders = Directory.GetDirectories(examples).Count(d => Directory.EnumerateDirectories(d).Any(z => File.Exists(Path.Combine(z, Path.GetFileName(z) + ".zone"))));
        var cases = fixtureFiles.Sum(f => CasesOf(f).Count);
        var skips = fixtureFiles.Sum(f => CasesOf(f).Count(c => c.Text.Contains("\n    skip:", StringComparison.Ordinal)));

        var (exit, output) = await RunAsync(RepositoryPaths.Root, "test", "examples/");

        Assert.True(exit == 0, output);
        Assert.DoesNotContain("FAIL", output, StringComparison.Ordinal);
        var summary = output.TrimEnd().Split('\n')[^1];
        Assert.Matches(
            $@"^passed: {cases - skips} passed, 0 failed, {skips} skipped; {folders} folders, {fixtureFiles.Length} fixture files, 0 policies without cases \([\d.]+ s: loading [\d.]+ s, running [\d.]+ s\)$",
            summary);
    }

    [Fact]
    public async Task BrokenCopy_ExitOne_FailLinesWithFileLineAndAnIndentedDiff()
    {
        BrokenGeoFailover();
        var fixtures = Path.Combine(_directory, "geo-failover", "example.com", "www.fixtures.yaml");
        var cases = CasesOf(fixtures);
        var expected = cases.Where(c => c.Text.Contains("198.51.100.20", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(expected);

        var (exit, output) = await RunAsync(_directory, "test", "geo-failover");

        Assert.True(exit == 1, output);
        var lines = output.Split('\n');
        var fails = lines.Where(l => l.Contains(": FAIL '", StringComparison.Ordinal)).ToList();
        Assert.Equal(expected.Select(c => $"geo-failover/example.com/www.fixtures.yaml:{c.Line}: FAIL '{c.Name}'"), fails.Select(l => l[..(l.IndexOf("' (", StringComparison.Ordinal) + 1)]));

        var european = cases.Single(c => c.Name == "a European client gets Europe while eu is up");
        var first = Array.IndexOf(lines, $"geo-failover/example.com/www.fixtures.yaml:{european.Line}: FAIL 'a European client gets Europe while eu is up' (www.example.com. A, ECS 81.2.69.160/27)");
        Assert.True(first >= 0, output);
        Assert.Equal("    answer:", lines[first + 1]);
        Assert.Equal("      - www.example.com. 30 IN A 198.51.100.20", lines[first + 2]);
        Assert.Equal("      + www.example.com. 30 IN A 198.51.100.21", lines[first + 3]);
        Assert.Equal(
            "    why: answered by policy www.example.com. (geo-failover/example.com/www.csx revision 1)",
            lines[first + 4]);
        Assert.Equal("         client located by ECS 81.2.69.160/27: GB/EU in 'stated' (network /27)", lines[first + 5]);
        Assert.Equal("         health: na unknown (not stated: counts as up), eu up (stated), other unknown (not stated: counts as up)", lines[first + 6]);
        Assert.Equal("         pool.First over [#1 eu up, #2 na unknown]: #1 (eu)", lines[first + 7]);
        Assert.Contains($"FAILED: {cases.Count - expected.Count} passed, {expected.Count} failed, 0 skipped; 1 folder, 1 fixture file, 0 policies without cases (", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filter_RunsOnlyTheMatchingCases()
    {
        BrokenGeoFailover();
        var cases = CasesOf(Path.Combine(_directory, "geo-failover", "example.com", "www.fixtures.yaml"));
        var ipv6 = cases.Count(c => c.Name.Contains("ipv6", StringComparison.OrdinalIgnoreCase));
        Assert.InRange(ipv6, 1, cases.Count - 1);

        var (exit, output) = await RunAsync(_directory, "test", "geo-failover", "--filter", "IPV6");
        var (bothExit, bothOutput) = await RunAsync(_directory, "test", "geo-failover", "-f", "both down", "-v");

        // The IPv6 cases do not look at 198.51.100.20: they pass although the copy is broken.
        Assert.True(exit == 0, output);
        Assert.Contains($"passed: {ipv6} passed, 0 failed, 0 skipped;", output, StringComparison.Ordinal);
        Assert.Equal(1, bothExit);
        Assert.Single(bothOutput.Split('\n'), l => l.Contains(": FAIL 'with eu and na both down, Europe gets Europe all the same'", StringComparison.Ordinal));
        Assert.Contains("FAILED: 0 passed, 1 failed, 0 skipped;", bothOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbose_PrintsPassingCasesToo()
    {
        var (exit, output) = await RunAsync(RepositoryPaths.Root, "test", "examples/failover-chain", "-v");

        Assert.True(exit == 0, output);
        Assert.Contains("examples/failover-chain/example.com/www.fixtures.yaml:9: ok 'the primary site while its check is up' (www.example.com. A, from 192.0.2.1)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JUnit_WritesAValidReport()
    {
        BrokenGeoFailover();
        var cases = CasesOf(Path.Combine(_directory, "geo-failover", "example.com", "www.fixtures.yaml"));
        var failing = cases.Count(c => c.Text.Contains("198.51.100.20", StringComparison.Ordinal));

        var (exit, output) = await RunAsync(_directory, "test", "geo-failover", "--junit", "reports/out.xml");

        Assert.True(exit == 1, output);
        var report = XDocument.Load(Path.Combine(_directory, "reports", "out.xml"));
        var root = report.Root!;
        Assert.Equal(cases.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), root.Attribute("tests")!.Value);
        Assert.Equal(failing.ToString(System.Globalization.CultureInfo.InvariantCulture), root.Attribute("failures")!.Value);
        Assert.Equal("0", root.Attribute("errors")!.Value);
        var suite = Assert.Single(root.Elements("testsuite"));
        Assert.Equal("geo-failover/example.com/www.fixtures.yaml", suite.Attribute("name")!.Value);
        var european = Assert.Single(suite.Elements("testcase"), c => c.Attribute("name")!.Value == "a European client gets Europe while eu is up");
        Assert.Equal(cases.Single(c => c.Name == "a European client gets Europe while eu is up").Line.ToString(System.Globalization.CultureInfo.InvariantCulture), european.Attribute("line")!.Value);
        Assert.Contains("  + www.example.com. 30 IN A 198.51.100.21", european.Element("failure")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyThatDoesNotCompile_ExitOne_WithFileLineColumnError()
    {
        WriteFolder(
            "broken",
            ("example.org/www.csx", "var x = 1;\nreturn Answer.Address(\"192.0.2.10\")\n"),
            ("example.org/www.fixtures.yaml", "cases:\n  - case: would pass\n    expect: { answer: [A 192.0.2.10] }\n"));

        var (exit, output) = await RunAsync(_directory, "test", "broken");

        Assert.True(exit == 1, output);
        Assert.Contains("broken/example.org/www.csx(2,36): error CS1002: ; expected", output, StringComparison.Ordinal);
        Assert.Contains("broken/example.org/www.fixtures.yaml:2: FAIL 'would pass'", output, StringComparison.Ordinal);
        Assert.Contains("FAILED: 0 passed, 1 failed, 0 skipped;", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyWithoutCases_IsReported_AndStrictFailsOnIt()
    {
        WriteFolder(
            "partial",
            ("example.org/www.csx", "return Answer.Address(\"192.0.2.10\");\n"),
            ("example.org/api.csx", "return Answer.Address(\"192.0.2.11\");\n"),
            ("example.org/www.fixtures.yaml", "cases:\n  - case: www\n    expect: { answer: [A 192.0.2.10] }\n"));
        WriteFolder("bare", ("example.org/www.csx", "return Answer.Address(\"192.0.2.10\");\n"));

        var (exit, output) = await RunAsync(_directory, "test", "partial");
        var (strictExit, strictOutput) = await RunAsync(_directory, "test", "partial", "--strict");
        var (bareExit, bareOutput) = await RunAsync(_directory, "test", "bare");

        Assert.True(exit == 0, output);
        Assert.Contains("partial/example.org/api.csx (api.example.org.): no case is answered by this policy", output, StringComparison.Ordinal);
        Assert.DoesNotContain("www.csx (www.example.org.): no case", output, StringComparison.Ordinal);
        Assert.Contains("passed: 1 passed, 0 failed, 0 skipped; 1 folder, 1 fixture file, 1 policy without cases", output, StringComparison.Ordinal);
        Assert.True(strictExit == 1, strictOutput);
        Assert.Contains("FAILED: 1 passed, 0 failed", strictOutput, StringComparison.Ordinal);
        Assert.True(bareExit == 0, bareOutput);
        Assert.Contains("bare: no fixture files (*.fixtures.yaml): nothing of it is tested", bareOutput, StringComparison.Ordinal);
        Assert.Contains("bare/example.org/www.csx (www.example.org.): no case is answered by this policy", bareOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FixtureFileWithErrors_ExitOne_WithTheDiagnostic()
    {
        WriteFolder(
            "typo",
            ("example.org/www.csx", "return Answer.Address(\"192.0.2.10\");\n"),
            ("example.org/www.fixtures.yaml", "cases:\n  - case: www\n    exepct: { answer: [A 192.0.2.10] }\n"));

        var (exit, output) = await RunAsync(_directory, "test", "typo");

        Assert.True(exit == 1, output);
        Assert.Contains("typo/example.org/www.fixtures.yaml(3,5): error FIX003: ", output, StringComparison.Ordinal);
        Assert.Contains("did you mean 'expect'?", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scriptable: '/nonexistent/folder' is not a folder", "test", "/nonexistent/folder")]
    [InlineData("holds no policies folder", "test", ".")]
    [InlineData("scriptable test: Required argument missing for option: '--junit'.", "test", "--junit")]
    public async Task UsageError_OneLine_ExitTwo(string message, params string[] args)
    {
        var (exit, output) = await RunAsync(_directory, args);

        Assert.True(exit == 2, output);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s*- case:\s*(.+)$")]
    private static partial Regex CaseLine();
}
