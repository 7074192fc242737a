using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Scriptable.Engine.Policies.Compilation;

namespace Scriptable.Engine.Tests.Policies.Compilation;

/// <summary>
/// Reflects (through Roslyn's view of <see cref="PolicyReferences"/>) over every public type and member of the
/// referenced framework assemblies that the sandbox lets policy code use, and flags the ones whose shape says
/// they may break memory safety or the process: see <see cref="Categories"/>.
/// </summary>
internal static class FrameworkScan
{
    /// <summary>What a flag means.</summary>
    public static IReadOnlyDictionary<string, string> Categories { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["unsafe-name"] = "the name says it skips checks (*Unsafe*, *Dangerous*, *Uninitialized*, SkipInit)",
        ["ref-offset"] = "a ref/in parameter together with an integer: an offset or a length from a reference",
        ["ref-return"] = "returns a reference (not an indexer): where does it point when the collection is empty?",
        ["native-int"] = "a native-sized integer (nint/nuint) in the signature of a type that is not a number",
        ["static-mutable"] = "a static field, property setter or event: process-wide state",
        ["static-state"] = "a static method whose name says it changes or fills process-wide state",
        ["pool"] = "a shared pool: buffers rented and returned",
        ["alloc-size"] = "an integer argument that sizes an allocation inside framework code",
    };

    private static readonly string[] UnsafeWords = ["Unsafe", "Dangerous", "Uninitialized", "SkipInit"];
    private static readonly string[] StateVerbs = ["Intern", "Register", "Unregister", "Set", "Clear", "Reset", "Flush", "Collect", "Configure", "Enable", "Disable", "Suppress", "Restore", "Install"];
    private static readonly HashSet<string> SizeNames = new(StringComparer.Ordinal) { "capacity", "initialCapacity", "initialSize", "concurrencyLevel", "newSize", "repeatCount", "totalWidth", "maxCapacity", "size", "stringLength", "minimumLength", "bufferSize" };
    private static readonly string[] SizeWords = ["capacity", "count", "length", "size", "width", "repeat", "concurrency"];

    /// <summary>A compilation of one empty file against the policy references, for symbols and verdicts.</summary>
    public static CSharpCompilation Compilation() =>
        CSharpCompilation.Create("Policy_scan", [CSharpSyntaxTree.ParseText("", PolicyReferences.ParseOptions)], PolicyReferences.All, PolicyReferences.CompilationOptions);

    /// <summary>Every public type of the framework assemblies, nested types included.</summary>
    public static IEnumerable<INamedTypeSymbol> FrameworkTypes(CSharpCompilation compilation)
    {
        var names = PolicyReferences.FrameworkAssemblyNames.ToHashSet(StringComparer.Ordinal);
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(compilation.GlobalNamespace);
        while (pending.Count > 0)
        {
            foreach (var member in pending.Pop().GetMembers())
            {
                if (member is INamespaceSymbol ns)
                {
                    pending.Push(ns);
                }
                else if (member is INamedTypeSymbol type && Visible(type) && names.Contains(type.ContainingAssembly.Name))
                {
                    yield return type;
                    pending.Push(type);
                }
            }
        }
    }

    /// <summary>(category, documentation id) of every member of an allowed type that policy code may use and that a heuristic flags.</summary>
    public static SortedSet<(string Category, string Id)> Flagged(CSharpCompilation compilation)
    {
        var flagged = new SortedSet<(string, string)>();
        foreach (var type in FrameworkTypes(compilation))
        {
            if (SandboxAnalyzer.DenialReason(compilation, type) is not null)
            {
                continue;
            }

            var typeId = type.GetDocumentationCommentId()!;
            if (Contains(type.Name, "Pool"))
            {
                flagged.Add(("pool", typeId));
            }

            foreach (var member in type.GetMembers())
            {
                if (!Visible(member) || member.IsImplicitlyDeclared && member is not IMethodSymbol { MethodKind: MethodKind.Constructor }
                    || SandboxAnalyzer.DenialReason(compilation, member) is not null || HasPointer(member))
                {
                    continue;
                }

                foreach (var category in Categorize(type, member))
                {
                    flagged.Add((category, member.GetDocumentationCommentId()!));
                }
            }
        }

        return flagged;
    }

    private static IEnumerable<string> Categorize(INamedTypeSymbol type, ISymbol member)
    {
        var name = member.Name;
        var parameters = member switch
        {
            IMethodSymbol method => method.Parameters,
            IPropertySymbol property => property.Parameters,
            _ => [],
        };
        if (UnsafeWords.Any(w => Contains(name, w)))
        {
            yield return "unsafe-name";
        }

        if (parameters.Any(p => p.RefKind is RefKind.Ref or RefKind.In or RefKind.RefReadOnlyParameter)
            && parameters.Any(p => p.RefKind == RefKind.None && IsInteger(p.Type)))
        {
            yield return "ref-offset";
        }

        if (member is IMethodSymbol { ReturnsByRef: true } or IMethodSymbol { ReturnsByRefReadonly: true, MethodKind: not MethodKind.PropertyGet }
            or IPropertySymbol { IsIndexer: false, ReturnsByRef: true } or IPropertySymbol { IsIndexer: false, ReturnsByRefReadonly: true })
        {
            if (member is not IMethodSymbol { AssociatedSymbol: IPropertySymbol })
            {
                yield return "ref-return";
            }
        }

        if (!IsNumber(type) && type.TypeKind != TypeKind.Delegate && member is not IMethodSymbol { MethodKind: MethodKind.UserDefinedOperator or MethodKind.Conversion } && (parameters.Any(p => IsNativeInt(p.Type)) || member is IMethodSymbol m && IsNativeInt(m.ReturnType)
            || member is IPropertySymbol pr && IsNativeInt(pr.Type) || member is IFieldSymbol f && IsNativeInt(f.Type)))
        {
            yield return "native-int";
        }

        if (member.IsStatic && (member is IFieldSymbol { IsReadOnly: false, IsConst: false } or IEventSymbol
            || member is IPropertySymbol { SetMethod: { } setter } && Visible(setter)))
        {
            yield return "static-mutable";
        }

        if (member is IMethodSymbol { IsStatic: true, MethodKind: MethodKind.Ordinary } && (StateVerbs.Any(v => name.StartsWith(v, StringComparison.Ordinal)) || Contains(name, "Cache")))
        {
            yield return "static-state";
        }

        if (Contains(name, "Pool") || name.StartsWith("Rent", StringComparison.Ordinal))
        {
            yield return "pool";
        }

        if (parameters.Any(p => IsInteger(p.Type) && (SizeNames.Contains(p.Name) || SizeWords.Any(w => Contains(p.Name, w)) && Produces(member)))
            || member is IPropertySymbol { SetMethod: { } set } sized && Visible(set) && IsInteger(sized.Type) && SizeWords.Any(w => Contains(name, w)))
        {
            yield return "alloc-size";
        }
    }

    // Constructors, and methods that return a string, an array, a StringBuilder or a sequence: what they
    // return may be as large as an integer argument says.
    private static bool Produces(ISymbol member) => member switch
    {
        IMethodSymbol { MethodKind: MethodKind.Constructor } => true,
        IMethodSymbol method => method.ReturnType.SpecialType == SpecialType.System_String || method.ReturnType is IArrayTypeSymbol
            || method.ReturnType.Name == "StringBuilder"
            || method.ReturnType.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_Collections_IEnumerable)
            || method.ReturnType.SpecialType == SpecialType.System_Collections_IEnumerable,
        _ => false,
    };

    // Members with pointers in their signature cannot be called without 'unsafe' (CS0214; SandboxAnalyzerTests).
    private static bool HasPointer(ISymbol member) => member switch
    {
        IMethodSymbol method => IsPointer(method.ReturnType) || method.Parameters.Any(p => IsPointer(p.Type)),
        IPropertySymbol property => IsPointer(property.Type) || property.Parameters.Any(p => IsPointer(p.Type)),
        IFieldSymbol field => IsPointer(field.Type),
        _ => false,
    };

    private static bool IsPointer(ITypeSymbol type) => type is IPointerTypeSymbol or IFunctionPointerTypeSymbol;

    private static bool Contains(string text, string word) => text.Contains(word, StringComparison.OrdinalIgnoreCase);

    private static bool Visible(ISymbol symbol) =>
        symbol.DeclaredAccessibility is Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal
        && (symbol.ContainingType is null || Visible(symbol.ContainingType));

    private static bool IsInteger(ITypeSymbol type) => type.SpecialType is SpecialType.System_Int16 or SpecialType.System_UInt16
        or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64
        or SpecialType.System_IntPtr or SpecialType.System_UIntPtr;

    private static bool IsNativeInt(ITypeSymbol type) => type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr;

    // nint's own members, and the generic-math interfaces it implements, are arithmetic on numbers.
    private static bool IsNumber(INamedTypeSymbol type) =>
        type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr
        || type.ContainingNamespace?.ToDisplayString() == "System.Numerics" && type.TypeKind == TypeKind.Interface;
}
