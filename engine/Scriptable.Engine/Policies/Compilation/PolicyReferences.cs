using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Scriptable.Engine.Policies.Compilation;

/// <summary>
/// What policies compile against: a small set of framework assemblies taken from the running runtime, the
/// engine assembly (the policy API), and the compilation and parse options. See README.md, "Sandbox".
/// </summary>
/// <remarks>
/// The set is deliberately narrow: an assembly that is not referenced cannot be bound at all, so
/// <c>dynamic</c> (Microsoft.CSharp), processes, sockets, HTTP, name resolution, the console and expression
/// trees fail as ordinary compile errors. Most dangerous types still live in System.Private.CoreLib
/// (files, reflection, threads, interop), so <see cref="SandboxAnalyzer"/> is the real guard.
/// </remarks>
internal static class PolicyReferences
{
    /// <summary>The framework assemblies (simple names) policies are compiled against.</summary>
    public static ImmutableArray<string> FrameworkAssemblyNames { get; } =
    [
        "System.Private.CoreLib",
        "System.Runtime",
        "System.Collections",
        "System.Collections.Concurrent",
        "System.Collections.Immutable",
        "System.Collections.Specialized",
        "System.ObjectModel",
        "System.Linq",
        "System.Memory",
        "System.Runtime.Numerics",
        "System.Text.RegularExpressions",
        "System.Net.Primitives",
        // SHA-256 and friends, for stable hashing (consistent hashing across servers); the sandbox allows
        // only the hashing types of this assembly.
        "System.Security.Cryptography",
    ];

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_all = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The references, built once on first use from the running framework and the engine assembly.</summary>
    /// <exception cref="InvalidOperationException">A framework assembly or the engine assembly cannot be found on disk.</exception>
    public static ImmutableArray<MetadataReference> All => s_all.Value;

    /// <summary>
    /// Options for a policy compilation: a library, no unsafe code, Release, unchecked arithmetic, deterministic,
    /// nullable annotations allowed but not flow-checked (<c>string?</c> and <c>x!</c> compile without warnings;
    /// policies are short scripts and nullable warnings on them would be noise nobody acts on).
    /// </summary>
    /// <remarks>
    /// <see cref="MetadataImportOptions.Public"/> (the default) keeps internal engine members invisible.
    /// The assembly name given to <see cref="CSharpCompilation.Create(string?, IEnumerable{SyntaxTree}?, IEnumerable{MetadataReference}?, CSharpCompilationOptions?)"/>
    /// must not be one the engine grants <c>InternalsVisibleTo</c>.
    /// </remarks>
    public static CSharpCompilationOptions CompilationOptions { get; } = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release,
            checkOverflow: false,
            allowUnsafe: false,
            deterministic: true,
            nullableContextOptions: NullableContextOptions.Annotations)
        .WithMetadataImportOptions(MetadataImportOptions.Public);

    /// <summary>Parse options for the generated policy file: latest C#, regular (not script) kind, no doc comments.</summary>
    public static CSharpParseOptions ParseOptions { get; } =
        new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Regular);

    private static ImmutableArray<MetadataReference> Create()
    {
        var tpa = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string
            ?? throw new InvalidOperationException("The runtime does not list its trusted platform assemblies; policies cannot be compiled.");
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            byName.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        }

        var builder = ImmutableArray.CreateBuilder<MetadataReference>(FrameworkAssemblyNames.Length + 1);
        foreach (var name in FrameworkAssemblyNames)
        {
            if (!byName.TryGetValue(name, out var path))
            {
                throw new InvalidOperationException($"Framework assembly '{name}' is not among the runtime's trusted platform assemblies; policies cannot be compiled.");
            }

            builder.Add(MetadataReference.CreateFromFile(path));
        }

        var engine = typeof(PolicyReferences).Assembly.Location;
        if (string.IsNullOrEmpty(engine))
        {
            // Single-file publishing bundles assemblies without a path on disk.
            throw new InvalidOperationException("The engine assembly has no location on disk (single-file publish?); policies cannot be compiled.");
        }

        builder.Add(MetadataReference.CreateFromFile(engine));
        return builder.MoveToImmutable();
    }
}
