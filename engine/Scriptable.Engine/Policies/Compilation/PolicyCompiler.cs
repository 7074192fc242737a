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
/// against the allowed references, the sandbox analysis, the budget instrumentation of the source, emit with a
/// PDB, then the budget instrumentation of the IL (<see cref="BudgetWeaver"/>).
/// Stateless and thread-safe: several policies may compile at once.
/// </summary>
internal static class PolicyCompiler
{
    private static int s_counter;

    /// <summary>The default cap on a policy's source, helpers included.</summary>
    public const int DefaultMaxSourceBytes = 256 * 1024;

    /// <summary>
    /// Compiles <paramref name="text"/>, the content of the policy <paramref name="file"/>. A source (with its
    /// helpers) over <paramref name="maxSourceBytes"/> is refused before parsing, and compiling stops at
    /// <paramref name="timeout"/> (Roslyn checks for cancellation as it binds: a compile-time blow-up, such as
    /// nested lambdas over overloads, costs that much and no more; a trial process is also stopped from outside).
    /// With <paramref name="cpuTime"/> the timeout counts this process's CPU time rather than the clock's, so
    /// that a busy machine does not fail a compile: for a process that compiles one policy at a time and does
    /// nothing else (a trial process, the child of <c>scriptable check</c>). Without <paramref name="weave"/>
    /// the IL pass is skipped and compiler-written code is unbudgeted: only benchmarks measuring the pass do that.
    /// </summary>
    public static CompiledPolicy Compile(string file, string text, string root, Func<string, string?> readHelper, int maxSourceBytes = DefaultMaxSourceBytes, TimeSpan? timeout = null, bool cpuTime = false, bool weave = true)
    {
        var started = Stopwatch.GetTimestamp();
        var diagnostics = new List<PolicyDiagnostic>();
        var id = Interlocked.Increment(ref s_counter);
        var className = "Policy_" + Sanitize(Path.GetFileNameWithoutExtension(file)) + "_" + id.ToString(CultureInfo.InvariantCulture);
        if (text.Length > maxSourceBytes)
        {
            diagnostics.Add(PolicyDiagnostic.Error(file, 1, 1, "SCR0300", string.Create(CultureInfo.InvariantCulture,
                $"the policy is {text.Length / 1024} KiB; policies are at most {maxSourceBytes / 1024} KiB with their helpers (Policy:Trial:MaxSourceKilobytes).")));
            return Failed(className, diagnostics, [], started);
        }

        var generated = PolicySourceBuilder.Build(file, text, root, className, readHelper, diagnostics);
        if (generated is null)
        {
            return Failed(className, diagnostics, [], started);
        }

        var total = text.Length;
        foreach (var (_, helperText) in generated.Helpers)
        {
            total += helperText.Length;
        }

        if (total > maxSourceBytes)
        {
            diagnostics.Add(PolicyDiagnostic.Error(file, 1, 1, "SCR0300", string.Create(CultureInfo.InvariantCulture,
                $"the policy and its helpers are {total / 1024} KiB; policies are at most {maxSourceBytes / 1024} KiB with their helpers (Policy:Trial:MaxSourceKilobytes).")));
            return Failed(className, diagnostics, generated.Helpers, started);
        }

        // The first compile of a process also loads and JIT-compiles the compiler (seconds, more on a busy
        // machine): that is not the policy's doing, so it happens once, before the deadline starts.
        WarmUp();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        using var deadline = cpuTime ? new CancellationTokenSource() : new CancellationTokenSource(limit);
        using var watch = cpuTime ? CpuTimeout(deadline, limit) : null;
        try
        {
            return Compile(file, text, className, generated, diagnostics, started, weave, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            diagnostics.Add(PolicyDiagnostic.Error(file, 1, 1, "SCR0301", string.Create(CultureInfo.InvariantCulture,
                $"compiling the policy took longer than {limit.TotalSeconds:0.#} s{(cpuTime ? " of CPU time" : "")} and was stopped (deeply nested lambdas over overloaded methods make the compiler's work grow exponentially; Policy:Trial:CompileTimeoutSeconds).")));
            return Failed(className, diagnostics, generated.Helpers, started);
        }
    }

    private static CompiledPolicy Compile(string file, string text, string className, GeneratedPolicy generated, List<PolicyDiagnostic> diagnostics, long started, bool weave, CancellationToken cancellation)
    {
        var tree = CSharpSyntaxTree.ParseText(generated.Text, PolicyReferences.ParseOptions, file + ".g.cs", Encoding.UTF8, cancellation);
        var compilation = CSharpCompilation.Create("policy-" + className, [tree], PolicyReferences.All, PolicyReferences.CompilationOptions);
        // Compiler errors and sandbox errors are both reported: fixing one should not reveal the other later.
        var errors = false;
        foreach (var diagnostic in compilation.GetDiagnostics(cancellation))
        {
            if (diagnostic.Severity < DiagnosticSeverity.Warning)
            {
                continue;
            }

            errors |= diagnostic.Severity == DiagnosticSeverity.Error;
            diagnostics.Add(Map(diagnostic, file, text));
        }

        foreach (var diagnostic in SandboxAnalyzer.Analyze(compilation, tree, cancellation))
        {
            errors = true;
            diagnostics.Add(Map(diagnostic, file, text));
        }

        // Frames the stack budget could not check in time (huge structs, polymorphic recursion).
        foreach (var diagnostic in FrameAnalyzer.Analyze(compilation, tree, cancellation))
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
        var result = compilation.Emit(assembly, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb), cancellationToken: cancellation);
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

        // What the compiler wrote (record members, closures, query-clause lambdas...) is budgeted in the IL.
        if (!weave)
        {
            return new CompiledPolicy(assembly.ToArray(), pdb.ToArray(), className, diagnostics, generated.Helpers, Stopwatch.GetElapsedTime(started));
        }

        byte[] woven, wovenPdb;
        try
        {
            (woven, wovenPdb) = BudgetWeaver.Weave(assembly.ToArray(), pdb.ToArray());
        }
        catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException or ArgumentException or NotSupportedException or IOException)
        {
            diagnostics.Add(PolicyDiagnostic.Error(file, 0, 0, "SCR0211", "internal error instrumenting the compiled policy: " + ex.Message));
            return Failed(className, diagnostics, generated.Helpers, started);
        }

        return new CompiledPolicy(woven, wovenPdb, className, diagnostics, generated.Helpers, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Cancels <paramref name="deadline"/> once this process has used <paramref name="limit"/> of CPU time from now.</summary>
    private static Timer CpuTimeout(CancellationTokenSource deadline, TimeSpan limit)
    {
        var end = Environment.CpuUsage.TotalTime + limit;
        return new Timer(_ =>
        {
            if (Environment.CpuUsage.TotalTime > end)
            {
                deadline.Cancel();
            }
        }, null, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50));
    }

    /// <summary>Compiles a tiny policy once per process, so that the compiler is loaded and its code JIT-compiled.</summary>
    public static void WarmUp() => _ = s_warm.Value;

    private static readonly Lazy<bool> s_warm = new(() =>
    {
        var folder = Path.GetTempPath();
        var tree = CSharpSyntaxTree.ParseText(
            "internal sealed class Warm { public global::Scriptable.Policies.Answer Run(global::Scriptable.Policies.PolicyContext ctx) => ctx.Query.Type == global::Scriptable.Policies.DnsType.A ? global::Scriptable.Policies.Answer.Address(\"192.0.2.1\") : global::Scriptable.Policies.Answer.Static; }",
            PolicyReferences.ParseOptions, Path.Combine(folder, "warm-up.g.cs"), Encoding.UTF8);
        var compilation = CSharpCompilation.Create("policy-warm-up", [tree], PolicyReferences.All, PolicyReferences.CompilationOptions);
        _ = SandboxAnalyzer.Analyze(compilation, tree);
        using var assembly = new MemoryStream();
        using var pdb = new MemoryStream();
        return compilation.Emit(assembly, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb)).Success;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

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
