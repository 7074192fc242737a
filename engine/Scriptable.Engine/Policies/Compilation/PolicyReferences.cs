using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Scriptable.Engine.Policies.Compilation;

/// <summary>
/// What policies compile against: a small set of framework assemblies taken from the running runtime, the
/// engine assembly (the policy API), and the compilation and parse options. The references are the metadata of
/// the assemblies this process runs, read in memory, so a single-file <c>scriptable</c> compiles policies too.
/// See README.md, "Sandbox".
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
    /// <exception cref="InvalidOperationException">A framework assembly cannot be loaded, or an assembly's metadata cannot be read.</exception>
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
        var builder = ImmutableArray.CreateBuilder<MetadataReference>(FrameworkAssemblyNames.Length + 1);
        foreach (var name in FrameworkAssemblyNames)
        {
            Assembly assembly;
            try
            {
                assembly = Assembly.Load(new AssemblyName(name));
            }
            catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                throw new InvalidOperationException($"Framework assembly '{name}' cannot be loaded ({ex.Message}); policies cannot be compiled.", ex);
            }

            builder.Add(FromLoaded(assembly));
        }

        builder.Add(FromLoaded(typeof(PolicyReferences).Assembly));
        return builder.MoveToImmutable();
    }

    /// <summary>
    /// A reference to the metadata of an assembly this process has loaded, read where the runtime keeps it, not
    /// from a file: a single-file <c>scriptable</c> bundles the engine (and, self-contained, the framework)
    /// without a path on disk (<see cref="Assembly.Location"/> is empty), and this works the same either way.
    /// </summary>
    /// <remarks>
    /// Assemblies of the default context are never unloaded, so the memory stays valid for the life of the
    /// process; Roslyn reads it in place, without copying.
    /// </remarks>
    private static unsafe PortableExecutableReference FromLoaded(Assembly assembly)
    {
        if (!System.Reflection.Metadata.AssemblyExtensions.TryGetRawMetadata(assembly, out var blob, out var length))
        {
            throw new InvalidOperationException($"The metadata of assembly '{assembly.GetName().Name}' cannot be read; policies cannot be compiled.");
        }

        var module = ModuleMetadata.CreateFromMetadata((IntPtr)blob, length);
        return AssemblyMetadata.Create(module).GetReference(display: assembly.GetName().Name + ".dll");
    }
}
