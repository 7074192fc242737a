using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Scriptable.Testing;

namespace Scriptable.Policies.Tests;

/// <summary>The C# examples in the testing kit's README compile and pass, run from the repository root.</summary>
public class ReadmeCodeTests
{
    public static TheoryData<int, string> Blocks()
    {
        var data = new TheoryData<int, string>();
        var lines = File.ReadAllLines(DefaultPoliciesTests.RepositoryPath(Path.Combine("engine", "Scriptable.Testing", "README.md")));
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() == "```csharp")
            {
                var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
                data.Add(i + 2, string.Join('\n', lines[(i + 1)..end]));
                i = end;
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public async Task TestingReadme_ExampleRuns(int line, string code)
    {
        var options = ScriptOptions.Default
            .AddReferences(typeof(PoliciesFolder).Assembly, typeof(Scriptable.Engine.Geo.GeoFacts).Assembly, typeof(Assert).Assembly)
            // The implicit usings of an SDK test project, as a user's test would have them.
            .AddImports("System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Threading.Tasks", "Scriptable.Testing", "Xunit");
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = DefaultPoliciesTests.RepositoryPath(".");
        try
        {
            await CSharpScript.RunAsync(code, options);
        }
        catch (CompilationErrorException ex)
        {
            Assert.Fail($"engine/Scriptable.Testing/README.md:{line}: " + string.Join("; ", ex.Diagnostics));
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }
}
