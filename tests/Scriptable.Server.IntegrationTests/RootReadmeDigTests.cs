using System.Globalization;
using System.Text.RegularExpressions;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// What the root README's first queries promise is what a user gets: every <c>dig @127.0.0.1 -p 5300 ...</c> line
/// of the README is run with real <c>dig</c> against the default folder (<c>policies/</c>, with the country
/// database <c>scripts/geo-db.sh</c> installs, as <c>scripts/run.sh</c> serves it), and its comment's claims are
/// checked: the status it names (NXDOMAIN, REFUSED, NODATA), "SOA in authority", "ECS echoed", "scope /N", and
/// every address it names in the answer. The answer shown under the first query is checked line by line.
/// </summary>
public sealed partial class RootReadmeDigTests : IClassFixture<RootReadmeDigTests.DefaultFolderServer>
{
    private readonly DefaultFolderServer _fixture;

    public RootReadmeDigTests(DefaultFolderServer fixture) => _fixture = fixture;

    public static TheoryData<string, string> DigLines()
    {
        var data = new TheoryData<string, string>();
        foreach (Match match in DigLine().Matches(Readme()))
        {
            data.Add(match.Groups["args"].Value.Trim(), match.Groups["claims"].Value.Trim());
        }

        return data;
    }

    [Fact]
    public void Readme_HasTheFirstQueries()
    {
        Assert.True(DigLines().Count() >= 9, "the README's first queries (dig @127.0.0.1 -p 5300 ...) were not found");
    }

    [Theory]
    [MemberData(nameof(DigLines))]
    public async Task ReadmeDigLine_AnswersAsItsCommentSays(string args, string claims)
    {
        var output = await _fixture.Dig(args);
        var status = Status().Match(output).Groups[1].Value;
        var answer = Section(output, "ANSWER");

        var named = Rcode().Match(claims);
        if (named.Success)
        {
            var expected = named.Value == "NODATA" ? "NOERROR" : named.Value;
            Assert.True(status == expected, $"'{args}' says {named.Value} but got {status}:\n{output}");
            Assert.True(named.Value != "NODATA" || answer.Count == 0, $"'{args}' says NODATA but answered:\n{output}");
        }
        else
        {
            Assert.True(status == "NOERROR" && answer.Count > 0, $"'{args}' ({claims}) did not answer:\n{output}");
        }

        if (claims.Contains("SOA in authority", StringComparison.Ordinal))
        {
            Assert.Contains(Section(output, "AUTHORITY"), line => line.Contains("\tSOA\t", StringComparison.Ordinal));
        }

        var subnet = ClientSubnet().Match(output);
        if (claims.Contains("ECS echoed", StringComparison.Ordinal))
        {
            Assert.True(subnet.Success, $"'{args}' says ECS is echoed, but no CLIENT-SUBNET came back:\n{output}");
        }

        if (Scope().Match(claims) is { Success: true } scope)
        {
            Assert.True(subnet.Success && subnet.Groups["scope"].Value == scope.Groups[1].Value,
                $"'{args}' says scope /{scope.Groups[1].Value}, got {(subnet.Success ? "/" + subnet.Groups["scope"].Value : "no CLIENT-SUBNET")}:\n{output}");
        }

        foreach (Match address in Address().Matches(claims))
        {
            Assert.True(answer.Exists(line => line.EndsWith("\t" + address.Value, StringComparison.Ordinal)), $"'{args}' says {address.Value}:\n{output}");
        }
    }

    [Fact]
    public async Task FirstQuery_AnswersWhatTheReadmeShows()
    {
        var shown = FirstQuery().Match(Readme());
        Assert.True(shown.Success, "the README's first query and its output were not found");

        var output = await _fixture.Dig(shown.Groups["args"].Value);

        foreach (var line in shown.Groups["output"].Value.Split('\n'))
        {
            if (line.StartsWith(";; ->>HEADER<<-", StringComparison.Ordinal))
            {
                Assert.Contains(line[..line.IndexOf(", id:", StringComparison.Ordinal)], output, StringComparison.Ordinal);
            }
            else if (line.Length > 0 && !line.StartsWith(';') && line != "...")
            {
                Assert.Contains(Section(output, "ANSWER"), printed => Fields(printed) == Fields(line));
            }
        }
    }

    private static string Readme() => File.ReadAllText(RepositoryPaths.Combine("README.md")).ReplaceLineEndings("\n");

    private static string Fields(string line) => string.Join(' ', line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));

    private static List<string> Section(string output, string name)
    {
        var lines = new List<string>();
        var inside = false;
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith(";; ", StringComparison.Ordinal) && line.EndsWith(" SECTION:", StringComparison.Ordinal))
            {
                inside = line == $";; {name} SECTION:";
            }
            else if (inside && line.Length == 0)
            {
                inside = false;
            }
            else if (inside)
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    [GeneratedRegex(@"^dig @127\.0\.0\.1 -p 5300 (?<args>[^#\n]+?)\s+#(?<claims>[^\n]*)$", RegexOptions.Multiline)]
    private static partial Regex DigLine();

    [GeneratedRegex(@"^```sh\ndig @127\.0\.0\.1 -p 5300 (?<args>[^\n#]+)\n```\n\n```\n(?<output>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FirstQuery();

    [GeneratedRegex(@"status: ([A-Z]+)")]
    private static partial Regex Status();

    [GeneratedRegex(@"\b(NXDOMAIN|REFUSED|SERVFAIL|NODATA|NOERROR)\b")]
    private static partial Regex Rcode();

    [GeneratedRegex(@"scope /(\d+)")]
    private static partial Regex Scope();

    [GeneratedRegex(@"; CLIENT-SUBNET: [0-9a-f.:]+/\d+/(?<scope>\d+)")]
    private static partial Regex ClientSubnet();

    [GeneratedRegex(@"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex Address();

    /// <summary>The repository's default folder served as <c>scripts/run.sh</c> serves it, from a copy.</summary>
    public sealed class DefaultFolderServer : IAsyncLifetime
    {
        private readonly TempFolder _folder = new();
        private TestServer? _server;

        public async Task InitializeAsync()
        {
            var geo = RepositoryPaths.Combine("policies", "_geo", "geo-whois-asn-country.mmdb");
            Assert.True(File.Exists(geo), $"{geo} is missing: scripts/setup.sh installs it (scripts/geo-db.sh)");
            FolderCopy.Tree(RepositoryPaths.Combine("policies"), _folder.Path);
            _server = await TestServer.StartInFolderAsync(_folder.Path);
        }

        public async Task<string> Dig(string args)
        {
            var words = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var (exit, output, error) = await ExternalTool.RunAsync("dig", ["@127.0.0.1", "-p", _server!.Port.ToString(CultureInfo.InvariantCulture), "+time=2", "+tries=1", .. words]);
            Assert.True(exit == 0, $"dig {args} failed ({exit}): {error}{output}");
            return output;
        }

        public async Task DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }

            _folder.Dispose();
        }
    }
}
