using Scriptable.Engine.Health;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Health;

/// <summary>Every <c>health.yaml</c> example in the Health README and the Cluster README (a <c>```yaml</c> block) parses without errors.</summary>
public sealed class HealthReadmeTests
{
    public static TheoryData<string, int, string> Examples()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var readme in (string[])["engine/Scriptable.Engine/Health/README.md", "engine/Scriptable.Server/Cluster/README.md"])
        {
            var lines = File.ReadAllLines(RepositoryPaths.Combine(readme.Split('/')));
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() == "```yaml")
                {
                    var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
                    data.Add(readme, i + 2, string.Join('\n', lines[(i + 1)..end]));
                    i = end;
                }
            }
        }

        return data;
    }

    [Fact]
    public void Examples_Found() => Assert.True(Examples().Count >= 3);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_Parses(string readme, int line, string yaml)
    {
        // As the README's configuration example allows: programs of /usr/local/lib/scriptable-checks (not installed here: HLT039).
        var commands = new CommandCheckPolicy { Enabled = true, Directories = ["/usr/local/lib/scriptable-checks"] };
        var result = HealthConfigParser.Parse(yaml, "health.yaml", commands);

        var problems = result.Diagnostics.Where(d => d.Id != HealthDiagnosticIds.ProgramMissing).ToList();
        Assert.True(problems.Count == 0, $"{readme}:{line}:\n" + string.Join('\n', problems));
    }
}
