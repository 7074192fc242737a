using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace Scriptable.Engine.Policies.Compilation;

/// <summary>A compiled policy: the assembly and its symbols, ready to load; or why it failed.</summary>
/// <param name="Assembly">The emitted assembly, or null on error.</param>
/// <param name="Pdb">Its portable PDB (stack traces show the policy's lines).</param>
/// <param name="ClassName">The class holding <c>Run</c>.</param>
/// <param name="Diagnostics">Errors and warnings, located in the user's files.</param>
/// <param name="Helpers">Helper files included with <c>#load</c> (full path, text), so a change to one recompiles.</param>
/// <param name="Elapsed">Time spent compiling.</param>
internal sealed record CompiledPolicy(byte[]? Assembly, byte[]? Pdb, string ClassName, IReadOnlyList<PolicyDiagnostic> Diagnostics,
    IReadOnlyList<(string Path, string Text)> Helpers, TimeSpan Elapsed)
{
    /// <summary>True if the policy compiled.</summary>
    public bool Succeeded => Assembly is not null;
}

/// <summary>
/// Compiles one policy: script text to generated class (<see cref="PolicySourceBuilder"/>), C# compile
/// against the allowed references, the sandbox analysis, the budget instrumentation, then emit with a PDB.
/// Stateless and thread-safe: several policies may compile at once.
/// </summary>
internal static class PolicyCompiler
{
    private static int s_counter;

    /// <summary>Compiles <paramref name="text"/>, the content of the policy <paramref name="file"/>.</summary>
    public static CompiledPolicy Compile(string file, string text, string root, Func<string, string?> readHelper)
    {
        var started = Stopwatch.GetTimestamp();
        var diagnostics = new List<PolicyDiagnostic>();
        var id = Interlocked.Increment(ref s_counter);
        var className = "Policy_" + Sanitize(Path.GetFileNameWithoutExtension(file)) + "_" + id.ToString(CultureInfo.InvariantCulture);
        var generated = PolicySourceBuilder.Build(file, text, root, className, readHelper, diagnostics);
        if (generated is null)
        {
            return Failed(className, diagnostics, [], started);
        }

        var tree = CSharpSyntaxTree.ParseText(generated.Text, PolicyReferences.ParseOptions, file + ".g.cs", Encoding.UTF8);
        var compilation = CSharpCompilation.Create("policy-" + className, [tree], PolicyReferences.All, PolicyReferences.CompilationOptions);
        // Compiler errors and sandbox errors are both reported: fixing one should not reveal the other later.
        var errors = false;
        foreach (var diagnostic in compilation.GetDiagnostics())
        {
            if (diagnostic.Severity < DiagnosticSeverity.Warning)
            {
                continue;
            }

            errors |= diagnostic.Severity == DiagnosticSeverity.Error;
            diagnostics.Add(Map(diagnostic, file, text));
        }

        foreach (var diagnostic in SandboxAnalyzer.Analyze(compilation, tree))
        {
            errors = true;
            diagnostics.Add(Map(diagnostic, file, text));
        }

        if (errors)
        {
            diagnostics.Sort(static (a, b) => (a.File, a.Line, a.Column).CompareTo((b.File, b.Line, b.Column)));
            return Failed(className, diagnostics, generated.Helpers, started);
        }

        var rewritten = BudgetRewriter.Rewrite(tree, compilation.GetSemanticModel(tree));
        compilation = compilation.ReplaceSyntaxTree(tree, rewritten);
        using var assembly = new MemoryStream();
        using var pdb = new MemoryStream();
        var result = compilation.Emit(assembly, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
        if (!result.Success)
        {
            // The instrumented tree failed where the original compiled: a bug of ours, not the user's.
            foreach (var diagnostic in result.Diagnostics)
            {
                if (diagnostic.Severity == DiagnosticSeverity.Error)
                {
                    diagnostics.Add(Map(diagnostic, file, text) with { Id = "SCR0900", Message = "internal error instrumenting the policy: " + diagnostic.GetMessage(CultureInfo.InvariantCulture) });
                }
            }

            return Failed(className, diagnostics, generated.Helpers, started);
        }

        return new CompiledPolicy(assembly.ToArray(), pdb.ToArray(), className, diagnostics, generated.Helpers, Stopwatch.GetElapsedTime(started));
    }

    private static CompiledPolicy Failed(string className, List<PolicyDiagnostic> diagnostics, IReadOnlyList<(string, string)> helpers, long started) =>
        new(null, null, className, diagnostics, helpers, Stopwatch.GetElapsedTime(started));

    /// <summary>
    /// Maps a diagnostic to the user's file. Diagnostics inside generated code are explained in the user's
    /// terms: the only one a policy can cause there is a missing return.
    /// </summary>
    private static PolicyDiagnostic Map(Diagnostic diagnostic, string file, string text)
    {
        var mapped = PolicySourceBuilder.FromRoslyn(diagnostic, file);
        if (diagnostic.Location.IsInSource && !diagnostic.Location.GetMappedLineSpan().HasMappedPath)
        {
            var lastLine = Math.Max(1, text.AsSpan().TrimEnd().Count('\n') + 1);
            mapped = diagnostic.Id == "CS0161"
                ? mapped with { File = file, Line = lastLine, Column = 1, Message = "the policy does not return an Answer on every path (end with 'return Answer.Static;' to answer from the zone file)" }
                : mapped with { File = file, Line = lastLine, Column = 1 };
        }

        return mapped;
    }

    private static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i]))
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }
}
