using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Scriptable.Testing;

namespace Scriptable.Policies.Tests;

[CollectionDefinition(nameof(ReadmeCodeTests), DisableParallelization = true)]
public sealed class ReadmeCodeTestsCollection;

/// <summary>
/// The C# examples in the testing kit's README compile and pass, run from the repository root. The examples
/// change the process's current folder, which other tests' shown paths are relative to: they run alone.
/// </summary>
[Collection(nameof(ReadmeCodeTests))]
public class ReadmeCodeTests
{
    public static TheoryData<int, string> Blocks() => BlocksOf("Scriptable.Testing");

    public static TheoryData<int, string> AdapterBlocks() => BlocksOf("Scriptable.Testing.Xunit");

    private static TheoryData<int, string> BlocksOf(string project)
    {
        var data = new TheoryData<int, string>();
        var lines = File.ReadAllLines(DefaultPoliciesTests.RepositoryPath(Path.Combine("engine", project, "README.md")));
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

    /// <summary>The adapter's README example is a test class: it compiles against the adapter and xunit, as in a user's project.</summary>
    [Theory]
    [MemberData(nameof(AdapterBlocks))]
    public void AdapterReadme_ExampleCompiles(int line, string code)
    {
        var options = ScriptOptions.Default
            .AddReferences(typeof(Scriptable.Testing.Xunit.PolicyFixture).Assembly, typeof(PoliciesFolder).Assembly, typeof(TheoryAttribute).Assembly, typeof(Xunit.Abstractions.IXunitSerializable).Assembly)
            .AddImports("System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Threading.Tasks", "Xunit");
        var diagnostics = CSharpScript.Create(code, options).Compile();
        Assert.True(
            !diagnostics.Any(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error),
            $"engine/Scriptable.Testing.Xunit/README.md:{line}: " + string.Join("; ", diagnostics));
        Assert.Contains("[PolicyFixtures(", code, StringComparison.Ordinal);
    }
}
