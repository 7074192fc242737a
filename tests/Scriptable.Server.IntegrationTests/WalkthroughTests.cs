using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// The root README's "Write your first policy", followed literally as a newcomer would: its shell blocks run
/// one after the other in one bash, in a fresh HOME, from a checkout; each output block shown after a shell
/// block must be what that block printed.
/// </summary>
/// <remarks>
/// The checkout is a temp folder holding the real <c>scripts/scriptable</c> and <c>scripts/geo-db.sh</c>, with
/// the tests' build of the server where the wrapper looks for its Release build (so it does not build) and a
/// generated database where geo-db.sh installs the public one (so it finds it present and downloads nothing:
/// tests stay on loopback). The generated database has MaxMind's test facts: 81.2.69.160/27 is in GB.
/// Three departures from the letter, each because a test must not depend on luck: port 5354 becomes a free
/// port, <c>sleep 5</c> becomes "wait until the server answers" (bounded), and a trap stops the server if a
/// step fails before <c>kill %1</c>.
/// </remarks>
public sealed partial class WalkthroughTests : IDisposable
{
    private const string Section = "## Write your first policy";
    private const string BlockMark = "@@walkthrough-block ";
    private const string TypoMark = "@@walkthrough-typo";

    private readonly string _root = Directory.CreateTempSubdirectory("scriptable-walkthrough-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Walkthrough_FollowedLiterally_EveryStepPrintsWhatTheReadmeShows()
    {
        var blocks = ReadSection();
        var shell = blocks.Where(b => b.Shell).ToList();
        Assert.True(shell.Count == 7, $"expected the walk-through's 7 ```sh blocks (steps 1-6, step 4 twice), found {shell.Count}");

        var checkout = MakeCheckout();
        var port = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        var script = new StringBuilder()
            .AppendLine("trap 'kill $(jobs -p) 2>/dev/null' EXIT")
            .AppendLine("cd " + Quote(checkout));
        var typo = TypoClaim().Match(File.ReadAllText(RepositoryPaths.Combine("README.md")));
        Assert.True(typo.Success, "the walk-through's sentence on a mistyped name was not found");
        for (var i = 0; i < shell.Count; i++)
        {
            script.AppendLine($"echo '{BlockMark}{i}'");
            script.AppendLine(Adapt(shell[i].Text, port));
            if (i == 2)
            {
                // The sentence after step 3: the typo it names, in a copy of the folder, checked as it says.
                script.AppendLine($"echo '{TypoMark}'")
                    .AppendLine($"rm -rf ../typo && cp -r . ../typo && sed -i 's/{typo.Groups["right"].Value}/{typo.Groups["typo"].Value}/' ../typo/example.org/www.csx")
                    .AppendLine("(cd ../typo && scriptable check . 2>&1; echo \"exit=$?\")")
                    .AppendLine($"echo '{TypoMark}'");
            }
        }

        var (exit, output, error) = await RunBash(script.ToString());
        var typoOutput = output.Split(TypoMark) is [_, var typoPart, _] ? typoPart : "";
        output = output.Replace(TypoMark + typoOutput + TypoMark + "\n", "", StringComparison.Ordinal);
        var printed = SplitByBlock(output, shell.Count);
        var context = $"bash exited {exit}\n--- stdout\n{output}\n--- stderr\n{error}";
        var shownTypo = typo.Groups["shown"].Value;
        Assert.True(
            typoOutput.Contains("\n" + shownTypo.TrimEnd('.').TrimEnd(), StringComparison.Ordinal) && typoOutput.Contains("exit=1", StringComparison.Ordinal),
            $"the README says a mistyped name is reported as\n  {shownTypo}\nand exits 1; check printed\n{typoOutput}");

        // Steps 1-3 (blocks 0-2): the database is found, the zone and the policy check clean.
        Assert.Contains("present:", error, StringComparison.Ordinal);
        foreach (var step in new[] { 1, 2 })
        {
            Assert.True(printed[step].Contains(" 0 failed; 0 errors", StringComparison.Ordinal), $"block {step} did not check clean:\n{printed[step]}\n{context}");
        }


        // Every output block shown must be what the shell block before it printed.
        for (var i = 0; i < blocks.Count; i++)
        {
            if (blocks[i].Shell || i == 0 || !blocks[i - 1].Shell)
            {
                continue;
            }

            var step = shell.IndexOf(blocks[i - 1]);
            AssertShown(blocks[i].Text, printed[step], context);
        }

        // Step 5 (block 5) shows no output: France with Paris down gets Virginia; the British subnet gets Paris.
        var query = printed[5];
        var answers = AnswerLines().Matches(query).Select(m => m.Groups["address"].Value).ToList();
        Assert.True(answers is ["192.0.2.20", "192.0.2.10"], $"step 5 answered [{string.Join(", ", answers)}]\n{context}");
        Assert.Contains("example.org/www.csx revision 1", query, StringComparison.Ordinal);
        Assert.Equal(0, exit);
    }

    /// <summary>The walk-through's fenced blocks in order: <c>```sh</c> ones are run, bare ones are output.</summary>
    private static List<Block> ReadSection()
    {
        var readme = File.ReadAllText(RepositoryPaths.Combine("README.md"));
        var start = readme.IndexOf(Section, StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no '{Section}' section");
        var end = readme.IndexOf("\n## ", start + Section.Length, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        return Fence().Matches(section).Select(m => new Block(m.Groups["info"].Value == "sh", m.Groups["body"].Value)).ToList();
    }

    private string MakeCheckout()
    {
        var checkout = Path.Combine(_root, "checkout");
        var scripts = Directory.CreateDirectory(Path.Combine(checkout, "scripts")).FullName;
        foreach (var name in new[] { "scriptable", "geo-db.sh" })
        {
            File.Copy(RepositoryPaths.Combine("scripts", name), Path.Combine(scripts, name)); // keeps the mode: executable
        }

        // The wrapper runs bin/Release/net10.0/scriptable.dll when no engine source is newer: this one has none.
        var build = Path.GetDirectoryName(ServerProcess.ProgramPath)!;
        var release = Path.Combine(checkout, "engine", "Scriptable.Server", "bin", "Release");
        Directory.CreateDirectory(release);
        File.CreateSymbolicLink(Path.Combine(release, "net10.0"), build);

        var geo = Directory.CreateDirectory(Path.Combine(checkout, "policies", "_geo")).FullName;
        TestGeo.CityTestLike().Write(Path.Combine(geo, "geo-whois-asn-country.mmdb"));
        return checkout;
    }

    /// <summary>The three departures from the letter (see the class remarks); each must find what it replaces.</summary>
    private static string Adapt(string text, string port)
    {
        var adapted = text.Replace("5354", port, StringComparison.Ordinal);
        if (adapted.Contains("sleep 5", StringComparison.Ordinal))
        {
            adapted = adapted.Replace(
                "sleep 5",
                $"for i in $(seq 300); do dig @127.0.0.1 -p {port} +time=1 +tries=1 www.example.org >/dev/null 2>&1 && break; sleep 0.1; done",
                StringComparison.Ordinal);
        }

        return adapted;
    }

    private Task<(int Exit, string Output, string Error)> RunBash(string script)
    {
        var home = Directory.CreateDirectory(Path.Combine(_root, "home")).FullName;
        return ExternalTool.RunAsync(
            "bash",
            ["--noprofile", "--norc", "-s"],
            TimeSpan.FromMinutes(3),
            input: script,
            environment: new Dictionary<string, string> { ["HOME"] = home, ["DOTNET_NOLOGO"] = "1" });
    }

    private static string[] SplitByBlock(string output, int count)
    {
        var printed = new string[count];
        var parts = output.Split(BlockMark);
        for (var i = 1; i < parts.Length; i++)
        {
            var newline = parts[i].IndexOf('\n', StringComparison.Ordinal);
            var index = int.Parse(parts[i].AsSpan(0, newline), CultureInfo.InvariantCulture);
            printed[index] = parts[i][(newline + 1)..];
        }

        return Array.ConvertAll(printed, p => p ?? "");
    }

    /// <summary>
    /// Each line shown must be printed, in order, and nothing else: a line ending in <c>...</c> stands for any
    /// continuation, a summary's timing in parentheses varies from run to run, and the server's log lines
    /// (which the README says come in between) are not shown.
    /// </summary>
    private static void AssertShown(string shown, string printed, string context)
    {
        var expected = shown.TrimEnd('\n').Split('\n');
        var actual = printed.TrimEnd('\n').Split('\n').Where(line => !LogLine().IsMatch(line)).ToArray();
        Assert.True(expected.Length == actual.Length, $"the README shows {expected.Length} lines, the step printed {actual.Length}:\n{shown}\n--- printed\n{printed}\n{context}");
        for (var i = 0; i < expected.Length; i++)
        {
            var line = Timing().Replace(expected[i], "");
            var matches = line.EndsWith("...", StringComparison.Ordinal)
                ? actual[i].StartsWith(line[..^3], StringComparison.Ordinal)
                : line == Timing().Replace(actual[i], "");
            Assert.True(matches, $"line {i + 1}: the README shows\n  {expected[i]}\nthe step printed\n  {actual[i]}\n{context}");
        }
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private sealed record Block(bool Shell, string Text);

    [GeneratedRegex(@"^```(?<info>\w*)\n(?<body>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"Mistype a name, say `(?<typo>\w+)` for `(?<right>\w+)`, and `scriptable check \.` says where, and exits 1:\n`(?<shown>[^`]+)`")]
    private static partial Regex TypoClaim();

    [GeneratedRegex(@" \(\d+\.\d+ s: loading \d+\.\d+ s, running \d+\.\d+ s\)$")]
    private static partial Regex Timing();

    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d{3} (trce|dbug|info|warn|fail|crit): ")]
    private static partial Regex LogLine();

    [GeneratedRegex(@"^www\.example\.org\.\s+\d+\s+IN\s+A\s+(?<address>\S+)$", RegexOptions.Multiline)]
    private static partial Regex AnswerLines();
}
