using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// <c>scriptable editor</c>: what it writes gives an editor's C# script support the server's view of a policy.
/// The editor's view is built here as OmniSharp builds it for a <c>.csx</c> file: a script compilation of the
/// file, with the .NET 10 framework, the response file's references and imports, and <c>#load</c> resolved from
/// the file's folder. Every example policy compiles clean in it; a typo is an error at its line and column.
/// </summary>
public sealed class EditorSetupTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task EveryExamplePolicy_CompilesInTheEditorsView_ATypoIsAnErrorAtItsPlace()
    {
        FolderCopy.Tree(RepositoryPaths.Combine("examples"), _folder.Path);
        var folders = Directory.GetDirectories(_folder.Path);
        var policies = 0;
        foreach (var folder in folders)
        {
            var (exit, output) = await ServerProcess.RunAsync(folder, "editor", ".");
            Assert.True(exit == 0, output);
            var omnisharp = File.ReadAllText(Path.Combine(folder, "omnisharp.json"));
            Assert.Contains("\"rspFilePath\": \".scriptable/policies.rsp\"", omnisharp, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(folder, ".vscode", "settings.json")));

            var view = EditorView.Read(Path.Combine(folder, ".scriptable", "policies.rsp"));
            foreach (var policy in Directory.EnumerateFiles(folder, "*.csx", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('_')))
            {
                var errors = view.Errors(policy, File.ReadAllText(policy));
                Assert.True(errors.Count == 0, $"{policy} in the editor's view:\n{string.Join('\n', errors)}");
                policies++;
            }
        }

        Assert.True(policies >= folders.Length, $"only {policies} policies in {folders.Length} examples");

        var www = Path.Combine(_folder.Path, "geo-failover", "example.com", "www.csx");
        var typo = EditorView.Read(Path.Combine(_folder.Path, "geo-failover", ".scriptable", "policies.rsp"))
            .Errors(www, File.ReadAllText(www).Replace("ctx.Geo.ContinentCode", "ctx.Geo.ContinentCod", StringComparison.Ordinal));
        Assert.Contains(typo, e => e.Contains("error CS1061: 'GeoInfo' does not contain a definition for 'ContinentCod'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunTwice_SameFiles_ExistingSettingsKept()
    {
        _folder.Write("example.org/example.org.zone", TempFolder.ExampleZone);
        _folder.Write(".vscode/settings.json", "{ \"editor.tabSize\": 2 }\n");
        _folder.Write("omnisharp.json", "{ \"FormattingOptions\": { \"NewLine\": \"\\n\" } }\n");

        var first = await ServerProcess.RunAsync(_folder.Path, "editor");
        var rsp = File.ReadAllText(Path.Combine(_folder.Path, ".scriptable", "policies.rsp"));
        var second = await ServerProcess.RunAsync(_folder.Path, "editor");

        Assert.True(first.Exit == 0 && second.Exit == 0, first.Output + second.Output);
        Assert.Equal(rsp, File.ReadAllText(Path.Combine(_folder.Path, ".scriptable", "policies.rsp")));
        Assert.Equal("{ \"editor.tabSize\": 2 }\n", File.ReadAllText(Path.Combine(_folder.Path, ".vscode", "settings.json")));
        Assert.Contains("left .vscode/settings.json as it is: it needs \"dotnet.server.useOmnisharp\": true", second.Output, StringComparison.Ordinal);
        var omnisharp = File.ReadAllText(Path.Combine(_folder.Path, "omnisharp.json"));
        Assert.Contains("\"FormattingOptions\"", omnisharp, StringComparison.Ordinal);
        Assert.Contains("\"enabled\": true", omnisharp, StringComparison.Ordinal);
    }

    /// <summary>A response file's references and imports, and the script compilation OmniSharp makes of a file with them.</summary>
    private sealed class EditorView(ImmutableArray<MetadataReference> references, ImmutableArray<string> usings)
    {
        public static EditorView Read(string rsp)
        {
            var references = new List<MetadataReference>();
            var usings = new List<string>();
            foreach (var line in File.ReadAllLines(rsp))
            {
                if (line.StartsWith("/r:", StringComparison.Ordinal))
                {
                    references.Add(MetadataReference.CreateFromFile(line[3..].Trim('"')));
                }
                else if (line.StartsWith("/u:", StringComparison.Ordinal))
                {
                    usings.Add(line[3..]);
                }
            }

            // The framework a net10.0 script sees: the runtime's own assemblies (OmniSharp's defaultTargetFramework).
            var tpa = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
            var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            references.AddRange(tpa.Where(p => string.Equals(Path.GetDirectoryName(p), runtime, StringComparison.Ordinal)).Select(p => MetadataReference.CreateFromFile(p)));
            return new EditorView([.. references], [.. usings]);
        }

        public List<string> Errors(string path, string text)
        {
            var tree = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script), path);
            var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, usings: usings,
                sourceReferenceResolver: new SourceFileResolver([], Path.GetDirectoryName(path)));
            var compilation = CSharpCompilation.CreateScriptCompilation("editor", tree, references, options);
            return [.. compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString())];
        }
    }
}
