using System.Text.RegularExpressions;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// Each example README's <c>scriptable query</c> command, run from the repository's root as the README says,
/// prints every line the README shows after it, in order (<c>...</c> stands for lines left out).
/// </summary>
public sealed partial class ExampleReadmeQueriesTests
{
    public static TheoryData<string, string, string> Queries()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var readme in Directory.EnumerateFiles(RepositoryPaths.Combine("examples"), "README.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            foreach (Match match in QueryAndOutput().Matches(File.ReadAllText(readme).ReplaceLineEndings("\n")))
            {
                data.Add(Path.GetRelativePath(RepositoryPaths.Root, readme), match.Groups["command"].Value, match.Groups["output"].Value);
            }
        }

        return data;
    }

    [Fact]
    public void EveryExample_ShowsAQuery()
    {
        var shown = Queries().Select(row => (string)row[0]).Distinct().Count();
        var examples = Directory.GetDirectories(RepositoryPaths.Combine("examples")).Length;
        Assert.Equal(examples, shown);
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task ReadmeQuery_PrintsWhatTheReadmeShows(string readme, string command, string shown)
    {
        // The commands use no quoting: words are split on spaces, as the shell would split them.
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("scriptable", words[0]);
        var (exit, output) = await ServerProcess.RunAsync(RepositoryPaths.Root, words[1..]);
        Assert.True(exit == 0, $"{readme}: {command} exited {exit}\n{output}");

        var printed = output.Split('\n');
        var at = 0;
        foreach (var line in shown.TrimEnd('\n').Split('\n'))
        {
            if (line == "...")
            {
                continue;
            }

            while (at < printed.Length && printed[at] != line)
            {
                at++;
            }

            Assert.True(at < printed.Length, $"{readme}: '{command}' did not print (in this order)\n  {line}\nIt printed:\n{output}");
            at++;
        }
    }

    [GeneratedRegex(@"^```sh\n(?<command>scriptable query [^\n]+)\n```\n\n```\n(?<output>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex QueryAndOutput();
}
