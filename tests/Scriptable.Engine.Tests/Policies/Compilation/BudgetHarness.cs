using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Scriptable.Engine.Policies.Compilation;
using Scriptable.Policies.Runtime;

namespace Scriptable.Engine.Tests.Policies.Compilation;

/// <summary>
/// A policy snippet in the shape the policy compiler generates (user code in <c>#line</c> regions of
/// <see cref="PolicyPath"/>, wrapper code hidden), compiled, rewritten by <see cref="BudgetRewriter"/>,
/// emitted with a portable PDB into a collectible context and run under a <see cref="Budget"/> scope.
/// </summary>
/// <remarks>
/// The user file is <c>members</c> (from line 1) followed by <c>statements</c> (the body of <c>Run</c>), so
/// <see cref="StatementLine"/> is the line of the first statement. <c>Answer</c> and <c>PolicyContext</c>
/// are stand-ins declared in the test compilation (<c>new Answer(value)</c>), until the policy API exists.
/// </remarks>
internal sealed class BudgetHarness : IDisposable
{
    public const string PolicyPath = "/p/example.com/www.csx";

    // Generated code with a loop and a catch of its own: the rewriter must leave it alone.
    private const string HiddenHelper =
        "    static int HiddenHelper(int n) { var s = 0; for (var i = 0; i < n; i++) { s += i; } try { return s; } catch { return -1; } }";

    private const string StandIns = """
        #nullable enable
        namespace Scriptable.Policies
        {
            public sealed class PolicyContext { }

            public sealed class Answer
            {
                public Answer(object? value) { Value = value; }
                public object? Value { get; }
            }

            public static class HarnessEntry
            {
                public static object? Invoke() => Scriptable.Policies.Generated.Policy_www_1.Run(new PolicyContext()).Value;
            }
        }
        """;

    private static readonly Lazy<MetadataReference[]> References = new(LoadReferences);

    private readonly AssemblyLoadContext _context;
    private readonly Type _policy;
    private readonly Func<object?> _invoke;

    private BudgetHarness(SyntaxTree original, SyntaxTree rewritten, int statementLine, ImmutableArray<Diagnostic> newWarnings, AssemblyLoadContext context, Type policy, Func<object?> invoke)
    {
        _policy = policy;
        Original = original;
        Rewritten = rewritten;
        StatementLine = statementLine;
        NewWarnings = newWarnings;
        _context = context;
        _invoke = invoke;
    }

    /// <summary>The generated file as the policy compiler would produce it.</summary>
    public SyntaxTree Original { get; }

    /// <summary>The file after <see cref="BudgetRewriter"/> (the original when compiled without rewriting).</summary>
    public SyntaxTree Rewritten { get; }

    /// <summary>The .csx line of the first statement of <c>Run</c>.</summary>
    public int StatementLine { get; }

    /// <summary>Warnings of the rewritten compilation that the original did not have.</summary>
    public ImmutableArray<Diagnostic> NewWarnings { get; }

    /// <summary>Generates the file around a snippet, without compiling it.</summary>
    public static (string Text, int StatementLine) Generate(string statements, string members = "")
    {
        var memberLines = members.Length == 0 ? 0 : members.Split('\n').Length;
        var statementLine = memberLines + 1;
        var text = $$"""
            #line hidden
            using System; using System.Collections.Generic; using System.Linq; using System.Net; using System.Text; using System.Text.RegularExpressions; using Scriptable.Policies;
            #line hidden
            namespace Scriptable.Policies.Generated;
            internal static class Policy_www_1
            {
            {{HiddenHelper}}
            #line 1 "{{PolicyPath}}"
            {{members}}
            #line hidden
                public static global::Scriptable.Policies.Answer Run(global::Scriptable.Policies.PolicyContext ctx)
                {
                    _ = HiddenHelper(3);
            #line {{statementLine}} "{{PolicyPath}}"
            {{statements}}
            #line hidden
                }
            }
            """;
        return (text, statementLine);
    }

    /// <summary>Compiles a snippet (rewritten unless told otherwise, woven by the IL pass if told) and loads it; fails the test on any compile error.</summary>
    public static BudgetHarness Compile(string statements, string members = "", bool rewrite = true, NullableContextOptions nullable = NullableContextOptions.Enable, bool weave = false)
    {
        var (text, statementLine) = Generate(statements, members);
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var original = CSharpSyntaxTree.ParseText(text, parseOptions, path: "/generated/Policy_www_1.g.cs", encoding: Encoding.UTF8);
        var standIns = CSharpSyntaxTree.ParseText(StandIns, parseOptions, path: "/generated/StandIns.g.cs", encoding: Encoding.UTF8);
        var options = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release,
            nullableContextOptions: nullable,
            allowUnsafe: false);
        var compilation = CSharpCompilation.Create("policy_" + Guid.NewGuid().ToString("N"), [original, standIns], References.Value, options);
        var originalDiagnostics = compilation.GetDiagnostics();
        AssertNoErrors(originalDiagnostics, original);

        var rewritten = original;
        var newWarnings = ImmutableArray<Diagnostic>.Empty;
        if (rewrite)
        {
            rewritten = BudgetRewriter.Rewrite(original, compilation.GetSemanticModel(original));
            compilation = compilation.ReplaceSyntaxTree(original, rewritten);
            var diagnostics = compilation.GetDiagnostics();
            AssertNoErrors(diagnostics, rewritten);
            var known = originalDiagnostics.Select(d => (d.Id, d.Location.GetMappedLineSpan().StartLinePosition.Line)).ToHashSet();
            newWarnings = [.. diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning && !known.Contains((d.Id, d.Location.GetMappedLineSpan().StartLinePosition.Line)))];
        }

        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        var result = compilation.Emit(pe, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
        AssertNoErrors(result.Diagnostics, rewritten);
        Stream image = pe, symbols = pdb;
        if (weave)
        {
            // The IL pass the policy compiler runs after emit (every method, compiler-written ones too).
            var (wovenImage, wovenSymbols) = BudgetWeaver.Weave(pe.ToArray(), pdb.ToArray());
            image = new MemoryStream(wovenImage);
            symbols = new MemoryStream(wovenSymbols);
        }

        image.Position = 0;
        symbols.Position = 0;
        var context = new AssemblyLoadContext("budget-harness", isCollectible: true);
        var assembly = context.LoadFromStream(image, symbols);
        var invoke = assembly.GetType("Scriptable.Policies.HarnessEntry", throwOnError: true)!.GetMethod("Invoke")!.CreateDelegate<Func<object?>>();
        var policy = assembly.GetType("Scriptable.Policies.Generated.Policy_www_1", throwOnError: true)!;
        return new BudgetHarness(original, rewritten, statementLine, newWarnings, context, policy, invoke);
    }

    /// <summary>Runs the policy under a fresh budget, as the host does for a query.</summary>
    public object? Run(in BudgetLimits limits)
    {
        using var scope = Budget.Begin(limits);
        return _invoke();
    }

    /// <summary>Runs the policy with no budget scope at all, as a host bug would.</summary>
    public object? RunWithoutScope() => _invoke();

    /// <summary>Runs the policy under a budget no test policy reaches (30 s, 1 MiB of stack, 1 GiB): its plain result.</summary>
    public object? RunUnlimited()
    {
        using var scope = Budget.Begin(new BudgetLimits { Time = TimeSpan.FromSeconds(30), MaxStackBytes = 1024 * 1024, MaxAllocatedBytes = 1L << 30 });
        return _invoke();
    }

    /// <summary>Runs the policy under a fresh budget and returns the exception that stopped it, with the time and bytes the stop took.</summary>
    public (BudgetExceededException Exception, TimeSpan Elapsed, long Allocated) Stop(in BudgetLimits limits)
    {
        var limitsCopy = limits;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        var exception = Assert.Throws<BudgetExceededException>(() => Run(limitsCopy));
        return (exception, Stopwatch.GetElapsedTime(started), GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
    }

    /// <summary>Reads a static field of the policy class (a user static member), e.g. a counter left by a stopped run.</summary>
    public object? ReadStatic(string name) =>
        _policy.GetField(name, System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)!.GetValue(null);

    public void Dispose() => _context.Unload();

    private static void AssertNoErrors(IEnumerable<Diagnostic> diagnostics, SyntaxTree tree)
    {
        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join('\n', errors) + "\n--- source ---\n" + tree.GetText());
    }

    private static MetadataReference[] LoadReferences()
    {
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return
        [
            .. trusted.Where(path => Path.GetDirectoryName(path) == frameworkDirectory).Select(path => MetadataReference.CreateFromFile(path)),
            MetadataReference.CreateFromFile(typeof(Budget).Assembly.Location),
        ];
    }
}
