using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Scriptable.Engine.Policies.Compilation;

namespace Scriptable.Engine.Tests.Policies.Compilation;

/// <summary>
/// Wraps a policy snippet in the generated shape the policy compiler produces (wrapper in <c>#line hidden</c>,
/// user code mapped with <c>#line N "path"</c>), compiles it against <see cref="PolicyReferences"/>, and runs
/// <see cref="SandboxAnalyzer"/>. Diagnostics come back formatted as the compiler prints them.
/// </summary>
internal static class SandboxHarness
{
    public const string PolicyPath = "/p/example.com/www.csx";

    // Stand-ins for the policy API, for as long as the engine does not define it: a separate assembly, as the
    // real API is (types declared in the policy's own compilation are always allowed).
    private static readonly Lazy<MetadataReference[]> s_references = new(CreateReferences);

    /// <summary>What a check found: the compiler's errors and the sandbox's diagnostics, both formatted.</summary>
    public sealed record Result(IReadOnlyList<string> CompilerErrors, IReadOnlyList<string> SandboxErrors)
    {
        public IEnumerable<string> AllErrors => CompilerErrors.Concat(SandboxErrors);

        public override string ToString() => string.Join(Environment.NewLine, AllErrors);
    }

    /// <summary>
    /// Checks a policy whose .csx is <paramref name="usings"/>, then <paramref name="members"/> (static members and
    /// nested types), then <paramref name="statements"/> (the body of Run, which the wrapper ends with a return).
    /// </summary>
    public static Result Check(string statements, string members = "", string usings = "")
    {
        var tree = Parse(Generate(statements, members, usings));
        var compilation = Compile(tree);
        var compilerErrors = compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(Format)
            .ToList();
        var sandbox = SandboxAnalyzer.Analyze(compilation, tree);
        return new Result(compilerErrors, sandbox.Select(Format).ToList());
    }

    public static SyntaxTree Parse(string source) =>
        CSharpSyntaxTree.ParseText(source, PolicyReferences.ParseOptions, path: "/p/generated/www.g.cs", encoding: Encoding.UTF8);

    public static CSharpCompilation Compile(SyntaxTree tree) =>
        CSharpCompilation.Create("Policy_www_1", [tree], s_references.Value, PolicyReferences.CompilationOptions);

    /// <summary>The compiler's own format, with the path and position mapped through <c>#line</c>.</summary>
    public static string Format(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetMappedLineSpan();
        var severity = diagnostic.Severity.ToString().ToLowerInvariant();
        return $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): {severity} {diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    /// <summary>The generated file: the .csx lines are, in order, usings, members, statements.</summary>
    public static string Generate(string statements, string members = "", string usings = "")
    {
        var usingLines = LineCount(usings);
        var memberLines = LineCount(members);
        var source = new StringBuilder();
        source.AppendLine("#line hidden");
        source.AppendLine("using System; using System.Collections.Generic; using System.Linq; using System.Net; using System.Text; using Scriptable.Policies;");
        if (usingLines > 0)
        {
            source.AppendLine($"#line 1 \"{PolicyPath}\"");
            source.AppendLine(usings);
            source.AppendLine("#line hidden");
        }

        source.AppendLine("namespace Scriptable.Policies.Generated;");
        source.AppendLine("internal static class Policy_www_1");
        source.AppendLine("{");
        if (memberLines > 0)
        {
            source.AppendLine($"#line {usingLines + 1} \"{PolicyPath}\"");
            source.AppendLine(members);
            source.AppendLine("#line hidden");
        }

        source.AppendLine("    public static global::Scriptable.Policies.Answer Run(global::Scriptable.Policies.PolicyContext ctx)");
        source.AppendLine("    {");
        source.AppendLine($"#line {usingLines + memberLines + 1} \"{PolicyPath}\"");
        source.AppendLine(statements);
        source.AppendLine("#line hidden");
        source.AppendLine("        return global::Scriptable.Policies.Answer.Static;");
        source.AppendLine("    }");
        source.AppendLine("}");
        return source.ToString();
    }

    private static int LineCount(string text) => text.Length == 0 ? 0 : text.Split('\n').Length;

    private static MetadataReference[] CreateReferences()
    {
        var probe = CSharpCompilation.Create("Probe", references: PolicyReferences.All);
        var standIns = new StringBuilder();
        if (probe.GetTypeByMetadataName("Scriptable.Policies.Answer") is null)
        {
            standIns.AppendLine("namespace Scriptable.Policies { public sealed class Answer { public static Answer Static { get; } = new(); } }");
        }

        if (probe.GetTypeByMetadataName("Scriptable.Policies.PolicyContext") is null)
        {
            standIns.AppendLine("namespace Scriptable.Policies { public sealed class PolicyContext { public System.DateTimeOffset Now => default; } }");
        }

        if (probe.GetTypeByMetadataName("Scriptable.Policies.Runtime.Budget") is null)
        {
            standIns.AppendLine("namespace Scriptable.Policies.Runtime { public static class Budget { public static void Tick() { } } }");
        }

        if (standIns.Length == 0)
        {
            return [.. PolicyReferences.All];
        }

        var api = CSharpCompilation.Create(
            "Scriptable.Policies.StandIns",
            [CSharpSyntaxTree.ParseText(standIns.ToString(), PolicyReferences.ParseOptions)],
            PolicyReferences.All,
            PolicyReferences.CompilationOptions);
        var errors = api.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.Empty(errors);
        return [.. PolicyReferences.All, api.ToMetadataReference()];
    }
}
