using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// Issue 13: every mistake an operator makes on the command line, in the configuration or in a folder gets a clear
/// message, with where it is and what to do, and an exit code scripts can tell apart (2: the command is wrong,
/// 1: what it checked failed); never a stack trace, never the help text instead of the error, never a silent pass.
/// Each row runs the built program in a folder holding a small policies folder (<c>policies/</c>), as a user would.
/// </summary>
public sealed class OperatorMistakesTests : IDisposable
{
    private const string Zone = """
        $ORIGIN example.org.
        $TTL 300
        @    IN SOA ns1 hostmaster 1 3600 600 604800 60
             IN NS  ns1
        ns1  IN A   192.0.2.53
        www  IN A   192.0.2.20
        """;

    private const string Policy = "if (ctx.Query.Type != DnsType.A) return Answer.Static;\nreturn ctx.Geo.ContinentCode == \"EU\" ? Answer.Address(\"192.0.2.10\") : Answer.Address(\"192.0.2.20\");\n";

    private const string Cases = """
        cases:
          - case: Europe gets Paris
            geo: { country: FR }
            expect: { answer: [A 192.0.2.10] }
        """;

    private readonly TempFolder _folder = new();

    public OperatorMistakesTests()
    {
        _folder.Write("policies/example.org/example.org.zone", Zone);
        _folder.Write("policies/example.org/www.csx", Policy);
        _folder.Write("policies/example.org/www.fixtures.yaml", Cases);
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>Mistakes on the command line: one line, exit 2, the nearest right word when one is close.</summary>
    public static TheoryData<string, string, string[]> CommandLine() => new()
    {
        { "an unknown command", "scriptable: Unrecognized command or argument 'frobnicate'.", ["frobnicate"] },
        { "a misspelt command", "scriptable: Unrecognized command or argument 'chek'. Did you mean 'check'?", ["chek"] },
        { "a misspelt option", "scriptable serve: Unrecognized command or argument '--listne'. Did you mean '--listen'?", ["serve", "--listne", "127.0.0.1:5300"] },
        { "a misspelt option of a tool", "scriptable check: Unrecognized command or argument '--confg'. Did you mean '--config'?", ["check", "--confg", "x.json"] },
        { "a number that is not one", "scriptable serve: 'many' is not a whole number (--udp-threads).", ["serve", "--udp-threads", "many"] },
        { "a number out of range", "scriptable: UdpThreads must be between 0 (one per two cores) and 256 (got -1)", ["serve", "--udp-threads", "-1"] },
        { "a country name for a code", "scriptable: --country 'France' is not an ISO 3166 country code such as FR or US", ["query", "www.example.org", "--country", "France"] },
        { "the United Kingdom as UK", "(the United Kingdom is GB)", ["query", "www.example.org", "--country", "uk"] },
        { "a continent name for a code", "scriptable: --continent 'Europe' is not a continent code (AF, AN, AS, EU, NA, OC, SA)", ["query", "www.example.org", "--continent", "Europe"] },
        { "a negative AS number", "scriptable: --asn -5 is not an AS number (0 to 4294967295)", ["query", "www.example.org", "--asn", "-5"] },
        { "a host name to listen on", "scriptable: 'localhost:5300' is not a listen address (examples: 127.0.0.1:5300, [::1]:5300)", ["serve", "--listen", "localhost:5300"] },
        { "a log level that is none", "scriptable: 'verbose' is not a log level (Trace, Debug, Information, Warning, Error)", ["serve", "--log-level", "verbose"] },
        { "a configuration file that is not there", "scriptable: configuration file 'nowhere.json' does not exist", ["check", "--config", "nowhere.json"] },
    };

    [Theory]
    [MemberData(nameof(CommandLine))]
    public async Task CommandLineMistake_OneLineSaysWhat_ExitTwo(string mistake, string message, string[] args)
    {
        var (exit, output) = await ServerProcess.RunAsync(_folder.Path, args);

        Assert.True(exit == 2, $"{mistake}: exit {exit}\n{output}");
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidJson_FileLineColumn_NoReaderInternals()
    {
        _folder.Write("scriptable.json", "{\n  \"Admin\": { \"Listen\": \"127.0.0.1:5380\" }\n  \"Policies\": \"policies\"\n}\n");

        var (exit, output) = await ServerProcess.RunAsync(_folder.Path, "check");

        Assert.True(exit == 2, output);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(Path.Combine(_folder.Path, "scriptable.json") + "(3,3): error: the configuration is not valid JSON: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestFilterMatchingNothing_FailsAndSaysSo()
    {
        var (exit, output) = await ServerProcess.RunAsync(_folder.Path, "test", "--filter", "Europe gets Pariss");

        Assert.True(exit == 1, output);
        Assert.Contains("scriptable test: error: --filter 'Europe gets Pariss' matches no case (of 1;", output, StringComparison.Ordinal);
        Assert.Contains("FAILED: 0 passed", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "policies/example.org/www.fixtures.yaml(1,1): error FIX006: the fixture file is empty: it tests nothing")]
    [InlineData("cases: []\n", "policies/example.org/www.fixtures.yaml(1,8): error FIX006: the 'cases' list is empty: it tests nothing")]
    public async Task FixtureFileThatTestsNothing_FailsAtItsPlace(string text, string message)
    {
        _folder.Write("policies/example.org/www.fixtures.yaml", text);

        var (exit, output) = await ServerProcess.RunAsync(_folder.Path, "test");

        Assert.True(exit == 1, output);
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.Contains("FAILED: ", output, StringComparison.Ordinal);
    }

    // The one folder rule: named, else configured, else ./policies, else the current folder when it holds zones.
    [Fact]
    public async Task NoFolderAnywhere_CheckAndTestSaySo_ExitTwo()
    {
        using var empty = new TempFolder();

        var check = await ServerProcess.RunAsync(empty.Path, "check");
        var test = await ServerProcess.RunAsync(empty.Path, "test");

        Assert.True(check.Exit == 2, check.Output);
        Assert.Equal("scriptable check: no policies folder here: name one (a folder of <zone>/<zone>.zone folders), or run it where ./policies is", Assert.Single(check.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.True(test.Exit == 2, test.Output);
        Assert.Contains("no policies folder here", test.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckInsideAPoliciesFolder_ChecksIt_PathsAsTyped()
    {
        _folder.Write("policies/example.org/www.csx", Policy.Replace("ContinentCode", "ContinentCod", StringComparison.Ordinal));

        var (exit, output) = await ServerProcess.RunAsync(Path.Combine(_folder.Path, "policies"), "check");

        Assert.True(exit == 1, output);
        Assert.Contains("\nexample.org/www.csx(2,16): error CS1061: ", "\n" + output, StringComparison.Ordinal);
        Assert.Contains("1 zones loaded, 0 failed; 0 policies compiled, 1 failed; 1 errors, 0 warnings", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAFolderOfPoliciesFolders_ChecksEach_CountsEveryWarning()
    {
        using var many = new TempFolder();
        foreach (var name in new[] { "one", "two" })
        {
            many.Write($"{name}/example.org/example.org.zone", Zone);
            many.Write($"{name}/example.org/www.csx", Policy);
        }

        many.Write("two/example.org/deeper/old.csx", Policy);

        var (exit, output) = await ServerProcess.RunAsync(many.Path, "check", ".");

        Assert.True(exit == 0, output);
        Assert.DoesNotContain("no master file", output, StringComparison.Ordinal);
        Assert.Contains("== one\n", output, StringComparison.Ordinal);
        Assert.Contains("== two\n", output, StringComparison.Ordinal);
        Assert.Contains("two/example.org/deeper/old.csx: warning SCR0124", output, StringComparison.Ordinal);
        Assert.Contains("1 policies compiled, 0 failed; 0 errors, 1 warnings", output, StringComparison.Ordinal);
        Assert.Contains("2 policies folders checked: all passed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ZoneFolderWithoutItsFile_ErrorAtTheFolder()
    {
        _folder.Write("policies/example.net/www.csx", Policy);

        var (exit, output) = await ServerProcess.RunAsync(_folder.Path, "check");

        Assert.True(exit == 1, output);
        Assert.Contains("policies/example.net: error: zone 'example.net.' has no master file: expected 'example.net.zone' in this folder", output, StringComparison.Ordinal);
        Assert.DoesNotContain(":0:", output, StringComparison.Ordinal);
    }
}
