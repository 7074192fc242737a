using Microsoft.CodeAnalysis;
using Scriptable.Engine.Policies.Compilation;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Policies.Compilation;

/// <summary>
/// Issue 14, finding 1: the framework surface policies may use, scanned and checked against reviewed lists in
/// <c>Audit/</c>. A new .NET that adds a type to an allowed namespace, or a member the scan flags (raw memory,
/// process-wide state, pools, allocations sized by an argument), fails here until someone reviews it.
/// </summary>
public class SandboxAuditTests
{
    private static readonly Lazy<CSharpCompilationAndScan> s_scan = new(() => new CSharpCompilationAndScan());

    [Fact]
    public void AllowedFrameworkTypes_AreTheReviewedList()
    {
        var allowed = s_scan.Value.AllowedTypes;
        var reviewed = ReadLines("AllowedTypes.txt").ToHashSet(StringComparer.Ordinal);

        var unreviewed = allowed.Where(t => !reviewed.Contains(t)).ToList();
        var stale = reviewed.Where(t => !allowed.Contains(t)).ToList();
        Assert.True(
            unreviewed.Count == 0 && stale.Count == 0,
            $"Audit/AllowedTypes.txt is out of date.\nAllowed but not reviewed (review, then add):\n{string.Join('\n', unreviewed)}\nListed but no longer allowed (remove):\n{string.Join('\n', stale)}");
    }

    [Fact]
    public void FlaggedFrameworkMembers_AreReviewed()
    {
        var scan = s_scan.Value;
        var reviewed = ReadFlagged();
        var lines = scan.Flagged.Select(f => f.Category + " " + f.Id).ToHashSet(StringComparer.Ordinal);

        var unreviewed = lines.Where(l => !reviewed.ContainsKey(l)).ToList();
        var stale = reviewed.Keys.Where(l => !lines.Contains(l)).ToList();
        Assert.True(
            unreviewed.Count == 0 && stale.Count == 0,
            $"Audit/FlaggedMembers.txt is out of date.\nFlagged but not reviewed (decide: deny it in SandboxRules, guard it in FrameworkGuards, or list it under a heading that says why it is safe):\n{string.Join('\n', unreviewed)}\nListed but no longer flagged (remove):\n{string.Join('\n', stale)}");
        Assert.All(FrameworkScan.Categories.Keys, c => Assert.Matches("^[a-z-]+$", c));
    }

    [Fact]
    public void GuardedFrameworkMembers_AreGuardedByTheRewriter()
    {
        var scan = s_scan.Value;
        var notGuarded = ReadFlagged()
            .Where(kv => kv.Value.StartsWith("guarded:", StringComparison.Ordinal))
            .Select(kv => kv.Key[(kv.Key.IndexOf(' ', StringComparison.Ordinal) + 1)..])
            .Where(id => scan.Member(id) is not { } member || !FrameworkGuardRewriter.IsGuarded(scan.Compilation, member))
            .ToList();

        Assert.True(notGuarded.Count == 0, "listed as guarded but the rewriter does not guard:\n" + string.Join('\n', notGuarded));
    }

    // Every overload of a member the rewriter redirects has its twin: an overload a new .NET adds would
    // otherwise run unguarded.
    [Fact]
    public void RedirectedFrameworkMembers_HaveATwinForEveryOverload()
    {
        var scan = s_scan.Value;
        var missing = new List<string>();
        foreach (var (type, member) in FrameworkGuards.Statics.Keys)
        {
            foreach (var method in scan.Type(type).GetMembers(member).OfType<IMethodSymbol>().Where(m => m.IsStatic && m.DeclaredAccessibility == Accessibility.Public))
            {
                Check(method);
            }
        }

        foreach (var type in FrameworkGuards.Constructors.Keys)
        {
            foreach (var constructor in scan.Type(type).InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public))
            {
                Check(constructor);
            }
        }

        // Instance twins: the replacements that can multiply their input (not Replace(char, char)), and
        // StringBuilder.Insert's repeated form.
        foreach (var (type, member) in FrameworkGuards.Instances.Keys)
        {
            foreach (var method in scan.Type(type).GetMembers(member).OfType<IMethodSymbol>().Where(m => !m.IsStatic && m.DeclaredAccessibility == Accessibility.Public))
            {
                var multiplies = member == "Replace" ? method.Parameters[0].Type.SpecialType != SpecialType.System_Char : method.Parameters.Any(p => p.Name == "count");
                if (multiplies)
                {
                    Check(method);
                }
            }
        }

        Assert.True(missing.Count == 0, "no twin (with the same parameter names and types) for:\n" + string.Join('\n', missing));

        void Check(IMethodSymbol method)
        {
            if (!FrameworkGuardRewriter.IsGuarded(scan.Compilation, method))
            {
                missing.Add(method.GetDocumentationCommentId()!);
            }
        }
    }

    // Lazily unbounded generators: Enumerable's static methods that make a sequence from no sequence. Each is
    // counted, or empty.
    [Fact]
    public void EnumerableGenerators_AreCounted()
    {
        var scan = s_scan.Value;
        var enumerable = scan.Type("System.Linq.Enumerable");
        var sequence = scan.Compilation.GetSpecialType(SpecialType.System_Collections_Generic_IEnumerable_T);
        var generators = enumerable.GetMembers().OfType<IMethodSymbol>()
            .Where(m => m.DeclaredAccessibility == Accessibility.Public && m.MethodKind == MethodKind.Ordinary
                && SymbolEqualityComparer.Default.Equals(m.ReturnType.OriginalDefinition, sequence)
                && !m.Parameters.Any(p => p.Type.SpecialType == SpecialType.System_Collections_IEnumerable || p.Type.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_Collections_IEnumerable)))
            .Where(m => m.Name != "Empty")
            .ToList();

        Assert.NotEmpty(generators);
        Assert.All(generators, g => Assert.True(FrameworkGuardRewriter.IsGuarded(scan.Compilation, g), g.GetDocumentationCommentId() + " makes a sequence framework code can enumerate without end: count it (CountedSequences)"));
    }

    private static Dictionary<string, string> ReadFlagged()
    {
        var reviewed = new Dictionary<string, string>(StringComparer.Ordinal);
        var heading = "";
        foreach (var line in File.ReadLines(AuditFile("FlaggedMembers.txt")))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                heading = line[3..];
                Assert.True(heading.StartsWith("guarded:", StringComparison.Ordinal) || heading.StartsWith("reviewed:", StringComparison.Ordinal), "a heading says 'guarded:' or 'reviewed:': " + line);
            }
            else if (line.Length > 0 && !line.StartsWith('#'))
            {
                Assert.True(heading.Length > 0, "a member listed before any heading: " + line);
                Assert.True(FrameworkScan.Categories.ContainsKey(line[..line.IndexOf(' ', StringComparison.Ordinal)]), "unknown category: " + line);
                Assert.True(reviewed.TryAdd(line, heading), "listed twice: " + line);
            }
        }

        return reviewed;
    }

    private static IEnumerable<string> ReadLines(string name) =>
        File.ReadLines(AuditFile(name)).Where(l => l.Length > 0 && !l.StartsWith('#'));

    // From the repository, not [CallerFilePath]: a CI build maps source paths to /_/ (ContinuousIntegrationBuild).
    private static string AuditFile(string name) =>
        RepositoryPaths.Combine("tests", "Scriptable.Engine.Tests", "Policies", "Compilation", "Audit", name);

    /// <summary>The scan, once for the class: a compilation against the policy references and what it allows.</summary>
    private sealed class CSharpCompilationAndScan
    {
        public CSharpCompilationAndScan()
        {
            Compilation = FrameworkScan.Compilation();
            AllowedTypes = FrameworkScan.FrameworkTypes(Compilation)
                .Where(t => SandboxAnalyzer.DenialReason(Compilation, t) is null)
                .Select(t => t.GetDocumentationCommentId()!)
                .ToHashSet(StringComparer.Ordinal);
            Flagged = FrameworkScan.Flagged(Compilation);
        }

        public Microsoft.CodeAnalysis.CSharp.CSharpCompilation Compilation { get; }

        public HashSet<string> AllowedTypes { get; }

        public SortedSet<(string Category, string Id)> Flagged { get; }

        public INamedTypeSymbol Type(string metadataName) =>
            Compilation.GetTypeByMetadataName(metadataName) ?? throw new InvalidOperationException("no type " + metadataName);

        public ISymbol? Member(string documentationId) =>
            DocumentationCommentId.GetFirstSymbolForDeclarationId(documentationId, Compilation);
    }
}
