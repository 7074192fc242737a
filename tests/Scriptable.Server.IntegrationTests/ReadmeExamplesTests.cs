using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;
using Scriptable.Engine.Zones.MasterFile;
using Scriptable.Server.Cli;
using Scriptable.Server.Configuration;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// The README files are part of the product: every zone and configuration example in them must load, and
/// every option the main README documents must exist (CoreDNS <c>test/readme_test.go</c>).
/// </summary>
public sealed partial class ReadmeExamplesTests
{
    private static readonly string s_root = Scriptable.TestCommon.RepositoryPaths.Root;

    public static TheoryData<string, int, string> ZoneBlocks() => Blocks("zone");

    public static TheoryData<string, int, string> JsonBlocks() => Blocks("json");

    [Fact]
    public void Readmes_HaveZoneAndConfigExamples()
    {
        Assert.NotEmpty(ZoneBlocks());
        Assert.NotEmpty(JsonBlocks());
    }

    [Theory]
    [MemberData(nameof(ZoneBlocks))]
    public void ZoneExample_Loads(string file, int line, string text)
    {
        var origin = OriginPattern().Match(text);
        Assert.True(origin.Success, $"{file}:{line}: a zone example must state its $ORIGIN");
        var name = DnsName.Parse(origin.Groups[1].Value);
        var parsed = MasterFileParser.ParseText(text, file, name);
        Assert.True(parsed.Errors.Count == 0, $"{file}:{line}: " + string.Join("; ", parsed.Errors));
        var errors = new List<ZoneDiagnostic>();
        Assert.True(ZoneBuilder.Build(name, parsed.Records, file, errors, []) is not null, $"{file}:{line}: " + string.Join("; ", errors));
    }

    [Theory]
    [MemberData(nameof(JsonBlocks))]
    public void ConfigExample_BindsToServerOptionsWithNoUnknownKey(string file, int line, string text)
    {
        // As the server reads it: every key at every level is a setting.
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text))).Build();
        var errors = new List<string>();
        var options = ConfigurationCheck.Bind(configuration, errors);
        Assert.True(options is not null, $"{file}:{line}: " + string.Join("; ", errors));
        foreach (var listen in options.Listen)
        {
            Assert.True(ListenAddress.TryParse(listen, out _, out var error), $"{file}:{line}: {error}");
        }
    }

    [Fact]
    public void MainReadme_EveryDocumentedVariableIsASetting()
    {
        var readme = File.ReadAllText(Path.Combine(s_root, "README.md"));
        var documented = VariablePattern().Matches(readme).Select(m => m.Groups[1].Value.Replace("__", ":", StringComparison.Ordinal)).Distinct().ToList();
        Assert.True(documented.Count > 10, string.Join(", ", documented));
        Assert.All(documented, path => Assert.True(ConfigurationCheck.IsSetting(path), $"README.md documents SCRIPTABLE_{path.Replace(":", "__", StringComparison.Ordinal)}, which is not a setting"));
        Assert.False(ConfigurationCheck.IsSetting("Policy:Trial:Questons"));
    }

    [Fact]
    public void MainReadme_EveryDocumentedOptionExists()
    {
        var readme = File.ReadAllText(Path.Combine(s_root, "README.md"));
        var documented = OptionPattern().Matches(readme).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(documented);
        var common = new CommonOptions();
        var root = new System.CommandLine.RootCommand();
        common.AddTo(root);
        root.Add(CheckCommand.Create());
        root.Add(TestCommand.Create());
        root.Add(QueryCommand.Create());
        root.Add(ClusterCommand.Create());
        var real = root.Options.Concat(root.Subcommands.SelectMany(c => c.Options.Concat(c.Subcommands.SelectMany(s => s.Options)))).SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
        foreach (var option in documented)
        {
            Assert.True(real.Contains(option) || option == "--help", $"README documents '{option}', which the CLI does not have");
        }
    }

    private static TheoryData<string, int, string> Blocks(string language)
    {
        var data = new TheoryData<string, int, string>();
        foreach (var file in Directory.EnumerateFiles(s_root, "README.md", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(s_root, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "artifacts" or "node_modules"))
            {
                continue;
            }

            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() != "```" + language)
                {
                    continue;
                }

                var start = i + 1;
                var end = Array.FindIndex(lines, start, l => l.Trim() == "```");
                data.Add(relative, start + 1, string.Join('\n', lines[start..end]) + "\n");
                i = end;
            }
        }

        return data;
    }

    [GeneratedRegex(@"^\$ORIGIN\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex OriginPattern();

    [GeneratedRegex(@"`(--[a-z][a-z-]+)")]
    private static partial Regex OptionPattern();

    [GeneratedRegex(@"`SCRIPTABLE_([A-Za-z_0-9]+)`")]
    private static partial Regex VariablePattern();
}
