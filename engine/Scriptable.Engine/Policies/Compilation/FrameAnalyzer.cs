using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Scriptable.Engine.Policies.Compilation;

// RS2008 asks analyzer packages to track rule releases; these descriptors are reported by the policy compiler.
#pragma warning disable RS2008

/// <summary>
/// The compile-time bound on a policy's stack frames. The budget checks the stack at each method's entry, after
/// the method's frame exists: a frame bigger than what is left of the thread's stack overflows before any check
/// runs, and a stack overflow ends the process. Two rules keep every frame small, from the symbols:
/// <list type="bullet">
/// <item>SCR0212: no value type larger than <see cref="MaxValueTypeBytes"/> anywhere in policy code (locals,
/// temporaries, parameters, fields, return types, framework generic structs over policy structs such as
/// <c>(S, S)</c>, <c>KeyValuePair&lt;S, S&gt;</c>, <c>S?</c>), and no body whose values add up to more than
/// <see cref="MaxFrameBytes"/>;</item>
/// <item>SCR0213: no polymorphic recursion, a generic method or type that reaches itself with a larger type
/// argument (<c>F&lt;T&gt;() =&gt; F&lt;(T, T)&gt;()</c>): each call would build a new, larger frame type at run
/// time, out of sight of the first rule (ECMA-335 II.9.2's expanding cycles).</item>
/// </list>
/// With frames bounded, a stack budget of at most 4 MiB plus one frame stays far inside the 512 MiB stack of
/// policy threads (<see cref="PolicyThreads"/>).
/// </summary>
internal static class FrameAnalyzer
{
    /// <summary>Largest value type policy code may use: 64 KiB (a struct of 8,192 longs).</summary>
    public const long MaxValueTypeBytes = 64 * 1024;

    /// <summary>Largest sum of the value-typed locals and temporaries of one body: 1 MiB.</summary>
    public const long MaxFrameBytes = 1024 * 1024;

    private const string Category = "Scriptable.Stack";

    /// <summary>SCR0212: a value type or a frame too big for the stack. Arguments: what, its size, the limit.</summary>
    public static readonly DiagnosticDescriptor TooBig = new(
        "SCR0212", "Frame too big", "{0} takes {1} of stack, more than the {2} a policy may use in one value or frame (a stack overflow ends the server)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>SCR0213: polymorphic recursion. Arguments: the generic, the growing type argument.</summary>
    public static readonly DiagnosticDescriptor GrowingGeneric = new(
        "SCR0213", "Polymorphic recursion", "'{0}' reaches itself with the growing type argument '{1}': polymorphic recursion is not allowed in a policy (every call would build a larger frame type at run time)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>Every violation in the user code of <paramref name="tree"/>, located at its syntax.</summary>
    public static IReadOnlyList<Diagnostic> Analyze(CSharpCompilation compilation, SyntaxTree tree, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compilation);
        ArgumentNullException.ThrowIfNull(tree);
        var walker = new Walker(compilation.GetSemanticModel(tree), tree, cancellationToken);
        walker.Run();
        return walker.Diagnostics;
    }

    private sealed class Walker(SemanticModel model, SyntaxTree tree, CancellationToken cancellationToken)
    {
        // By reference, not by symbol equality: a type built by inference (D(D(D(x))) with D<T>(T) => (T, T)) is a
        // DAG of shared instances whose tree is exponentially large, and symbol equality and hashing walk the tree.
        private readonly Dictionary<ITypeSymbol, long> _sizes = new(ReferenceEqualityComparer.Instance);
        private readonly HashSet<ISymbol> _instantiated = new(ReferenceEqualityComparer.Instance);
        private readonly HashSet<(string, int)> _reported = [];
        private readonly Dictionary<ITypeParameterSymbol, List<(ITypeParameterSymbol To, bool Expanding, ITypeSymbol Argument, SyntaxNode At)>> _edges = new(SymbolEqualityComparer.Default);

        public List<Diagnostic> Diagnostics { get; } = [];

        public void Run()
        {
            var root = tree.GetRoot(cancellationToken);
            foreach (var node in root.DescendantNodes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (node)
                {
                    case BaseTypeDeclarationSyntax type when model.GetDeclaredSymbol(type, cancellationToken) is ITypeSymbol declared:
                        CheckType(declared, type, "the struct '" + declared.Name + "'");
                        break;
                    case VariableDeclaratorSyntax { Parent.Parent: BaseFieldDeclarationSyntax } field when model.GetDeclaredSymbol(field, cancellationToken) is IFieldSymbol symbol:
                        CheckType(symbol.Type, field, "field '" + symbol.Name + "'");
                        AddInstantiations(symbol.Type, field);
                        break;
                    case PropertyDeclarationSyntax property when model.GetDeclaredSymbol(property, cancellationToken) is IPropertySymbol symbol:
                        CheckType(symbol.Type, property, "property '" + symbol.Name + "'");
                        AddInstantiations(symbol.Type, property);
                        break;
                    case ParameterSyntax parameter when model.GetDeclaredSymbol(parameter, cancellationToken) is IParameterSymbol symbol:
                        CheckType(symbol.Type, parameter, "parameter '" + symbol.Name + "'");
                        AddInstantiations(symbol.Type, parameter);
                        break;
                    case MethodDeclarationSyntax method when model.GetDeclaredSymbol(method, cancellationToken) is IMethodSymbol symbol:
                        CheckType(symbol.ReturnType, method.ReturnType, "the return type of '" + symbol.Name + "'");
                        AddInstantiations(symbol.ReturnType, method.ReturnType);
                        break;
                    case LocalFunctionStatementSyntax function when model.GetDeclaredSymbol(function, cancellationToken) is IMethodSymbol symbol:
                        CheckType(symbol.ReturnType, function.ReturnType, "the return type of '" + symbol.Name + "'");
                        AddInstantiations(symbol.ReturnType, function.ReturnType);
                        break;
                    case BlockSyntax or ArrowExpressionClauseSyntax or EqualsValueClauseSyntax when IsBodyRoot(node):
                        CheckBody(node);
                        break;
                }
            }

            FindGrowingCycles();
        }

        // A body, an expression body or an initializer that is not inside another one (nested lambdas and local
        // functions are counted with the body they sit in: more than their own frame, never less).
        private static bool IsBodyRoot(SyntaxNode node)
        {
            for (var parent = node.Parent; parent is not null; parent = parent.Parent)
            {
                if (parent is BlockSyntax or ArrowExpressionClauseSyntax or EqualsValueClauseSyntax)
                {
                    return false;
                }
            }

            return true;
        }

        private void CheckBody(SyntaxNode body)
        {
            if (model.GetOperation(body, cancellationToken) is not { } operation)
            {
                return;
            }

            long frame = 0;
            SyntaxNode? firstUser = null;
            foreach (var op in operation.DescendantsAndSelf())
            {
                if (firstUser is null && op.Syntax != body && IsUser(op.Syntax))
                {
                    firstUser = op.Syntax;
                }

                var type = op switch
                {
                    IVariableDeclaratorOperation declarator => declarator.Symbol.Type,
                    _ => op.Type,
                };
                if (type is null)
                {
                    continue;
                }

                AddInstantiations(type, op.Syntax);
                switch (op)
                {
                    case IInvocationOperation invocation:
                        AddInstantiations(invocation.TargetMethod, op.Syntax);
                        break;
                    case IMethodReferenceOperation reference:
                        AddInstantiations(reference.Method, op.Syntax);
                        break;
                    case IMemberReferenceOperation member:
                        AddInstantiations(member.Member.ContainingType, op.Syntax);
                        break;
                    case IObjectCreationOperation { Constructor: { } constructor }:
                        AddInstantiations(constructor.ContainingType, op.Syntax);
                        break;
                }

                if (!type.IsValueType)
                {
                    continue;
                }

                var size = SizeOf(type, 0);
                if (size > MaxValueTypeBytes)
                {
                    CheckType(type, op.Syntax, "a value");
                    continue;
                }

                // Locals, and the operations that make a new value (a temporary); reading a variable does not.
                if (op is IVariableDeclaratorOperation or IInvocationOperation or IObjectCreationOperation or ITupleOperation
                    or IDefaultValueOperation or IConversionOperation or IBinaryOperation or IPropertyReferenceOperation)
                {
                    frame = Add(frame, size);
                }
            }

            // The policy's statements sit in a generated method: the report goes to the first of them.
            var at = IsUser(body) ? body : firstUser;
            if (frame > MaxFrameBytes && at is not null)
            {
                Report(TooBig, at, "this body's locals and temporaries", Bytes(frame), Bytes(MaxFrameBytes));
            }
        }

        private void CheckType(ITypeSymbol type, SyntaxNode at, string what)
        {
            if (!type.IsValueType || !IsUser(at))
            {
                return;
            }

            var size = SizeOf(type, 0);
            if (size > MaxValueTypeBytes)
            {
                Report(TooBig, at, what.StartsWith("the struct", StringComparison.Ordinal) ? what : what + " of type '" + Shorten(type) + "'", Bytes(size), Bytes(MaxValueTypeBytes));
            }
        }

        // Bytes of a value of the type on the stack, saturating (a cyclic or absurd layout counts as huge).
        private long SizeOf(ITypeSymbol type, int depth)
        {
            if (!type.IsValueType)
            {
                return 8;
            }

            if (depth > 64)
            {
                return long.MaxValue / 4;
            }

            if (_sizes.TryGetValue(type, out var known))
            {
                return known;
            }

            long size = type.SpecialType switch
            {
                SpecialType.System_Boolean or SpecialType.System_Byte or SpecialType.System_SByte => 1,
                SpecialType.System_Char or SpecialType.System_Int16 or SpecialType.System_UInt16 => 2,
                SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Single => 4,
                SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Double or SpecialType.System_IntPtr or SpecialType.System_UIntPtr => 8,
                SpecialType.System_Decimal => 16,
                _ => -1,
            };
            if (size < 0)
            {
                size = type switch
                {
                    INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying } => SizeOf(underlying, depth + 1),
                    INamedTypeSymbol named => StructSize(named, depth),
                    _ => 8, // a type parameter: its instantiations are bounded by the growing-generic rule
                };
            }

            _sizes[type] = size;
            return size;
        }

        // The fields' sizes (from metadata, private ones too when imported), and never less than the sizes of the
        // type arguments: a framework struct over policy structs (KeyValuePair<S, S>, S?) holds them.
        private long StructSize(INamedTypeSymbol type, int depth)
        {
            long fields = 0;
            foreach (var member in type.GetMembers())
            {
                if (member is IFieldSymbol { IsStatic: false, IsConst: false } field)
                {
                    fields = Add(fields, SizeOf(field.Type, depth + 1));
                }
            }

            var inline = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.Name == "InlineArrayAttribute");
            if (inline is { ConstructorArguments: [{ Value: int length }] } && length > 0)
            {
                fields = Math.Min(long.MaxValue / 4, fields * length);
            }

            long arguments = 0;
            foreach (var argument in type.TypeArguments)
            {
                arguments = Add(arguments, argument.IsValueType ? SizeOf(argument, depth + 1) : 8);
            }

            return Math.Max(1, Math.Max(fields, arguments));
        }

        private static long Add(long a, long b) => Math.Min(long.MaxValue / 4, a + b);

        // --- polymorphic recursion: edges between the type parameters of the policy's own generics ---

        private void AddInstantiations(ISymbol? symbol, SyntaxNode at)
        {
            if (symbol is null || !_instantiated.Add(symbol))
            {
                return;
            }

            switch (symbol)
            {
                case IMethodSymbol method:
                    if (method.IsGenericMethod && IsSource(method.OriginalDefinition))
                    {
                        AddEdges(method.OriginalDefinition.TypeParameters, method.TypeArguments, at);
                    }

                    foreach (var argument in method.TypeArguments)
                    {
                        AddInstantiations(argument, at);
                    }

                    AddInstantiations(method.ContainingType, at);
                    break;
                case INamedTypeSymbol named:
                    for (var type = named; type is not null; type = type.ContainingType)
                    {
                        if (type.IsGenericType && IsSource(type.OriginalDefinition))
                        {
                            AddEdges(type.OriginalDefinition.TypeParameters, type.TypeArguments, at);
                        }

                        foreach (var argument in type.TypeArguments)
                        {
                            AddInstantiations(argument, at);
                        }
                    }

                    break;
                case IArrayTypeSymbol array:
                    AddInstantiations(array.ElementType, at);
                    break;
            }
        }

        private void AddEdges(System.Collections.Immutable.ImmutableArray<ITypeParameterSymbol> parameters, System.Collections.Immutable.ImmutableArray<ITypeSymbol> arguments, SyntaxNode at)
        {
            for (var i = 0; i < parameters.Length && i < arguments.Length; i++)
            {
                var used = new HashSet<ITypeParameterSymbol>(SymbolEqualityComparer.Default);
                TypeParametersIn(arguments[i], used, new HashSet<ITypeSymbol>(ReferenceEqualityComparer.Instance));
                foreach (var parameter in used)
                {
                    var expanding = arguments[i] is not ITypeParameterSymbol;
                    if (!_edges.TryGetValue(parameter, out var list))
                    {
                        _edges[parameter] = list = [];
                    }

                    if (!list.Exists(e => SymbolEqualityComparer.Default.Equals(e.To, parameters[i]) && e.Expanding == expanding))
                    {
                        list.Add((parameters[i], expanding, arguments[i], at));
                    }
                }
            }
        }

        // The type parameters a type argument uses, each shared instance visited once.
        private static void TypeParametersIn(ITypeSymbol type, HashSet<ITypeParameterSymbol> found, HashSet<ITypeSymbol> seen)
        {
            if (!seen.Add(type))
            {
                return;
            }

            switch (type)
            {
                case ITypeParameterSymbol parameter:
                    found.Add(parameter);
                    break;
                case IArrayTypeSymbol array:
                    TypeParametersIn(array.ElementType, found, seen);
                    break;
                case INamedTypeSymbol named:
                    for (var t = named; t is not null; t = t.ContainingType)
                    {
                        foreach (var argument in t.TypeArguments)
                        {
                            TypeParametersIn(argument, found, seen);
                        }
                    }

                    break;
            }
        }

        // An expanding edge T -> U on a cycle (U reaches T back): infinitely many instantiations.
        private void FindGrowingCycles()
        {
            foreach (var (from, edges) in _edges)
            {
                foreach (var edge in edges)
                {
                    if (edge.Expanding && Reaches(edge.To, from) && IsUser(edge.At))
                    {
                        var owner = edge.To.DeclaringMethod?.Name ?? edge.To.DeclaringType?.Name ?? edge.To.Name;
                        Report(GrowingGeneric, edge.At, owner, Shorten(edge.Argument));
                    }
                }
            }
        }

        private bool Reaches(ITypeParameterSymbol start, ITypeParameterSymbol target)
        {
            var seen = new HashSet<ITypeParameterSymbol>(SymbolEqualityComparer.Default) { start };
            var queue = new Queue<ITypeParameterSymbol>([start]);
            while (queue.TryDequeue(out var current))
            {
                if (SymbolEqualityComparer.Default.Equals(current, target))
                {
                    return true;
                }

                if (_edges.TryGetValue(current, out var next))
                {
                    foreach (var edge in next)
                    {
                        if (seen.Add(edge.To))
                        {
                            queue.Enqueue(edge.To);
                        }
                    }
                }
            }

            return false;
        }

        // Nested tuples print exponentially long: a message names the type, it does not dump it.
        private static string Shorten(ITypeSymbol type)
        {
            var text = new System.Text.StringBuilder();
            Display(type, text);
            return text.Length <= 120 ? text.ToString() : text.ToString(0, 117) + "...";
        }

        private static void Display(ITypeSymbol type, System.Text.StringBuilder text)
        {
            if (text.Length > 120)
            {
                return;
            }

            if (type is INamedTypeSymbol { IsGenericType: true } named)
            {
                text.Append(named.IsTupleType ? "" : named.Name).Append(named.IsTupleType ? '(' : '<');
                for (var i = 0; i < named.TypeArguments.Length && text.Length <= 120; i++)
                {
                    text.Append(i == 0 ? "" : ", ");
                    Display(named.TypeArguments[i], text);
                }

                text.Append(named.IsTupleType ? ')' : '>');
                return;
            }

            text.Append(type.Name.Length > 0 ? type.Name : type.ToDisplayString());
        }

        private static bool IsSource(ISymbol symbol) => symbol.Locations.Any(l => l.IsInSource);

        private bool IsUser(SyntaxNode node) => node.SyntaxTree == tree && tree.GetLineVisibility(node.SpanStart, cancellationToken) != LineVisibility.Hidden;

        private void Report(DiagnosticDescriptor descriptor, SyntaxNode at, params object[] arguments)
        {
            var location = at.GetLocation();
            var line = location.GetMappedLineSpan();
            var key = (descriptor.Id + line.Path, line.StartLinePosition.Line);
            if (_reported.Add(key))
            {
                Diagnostics.Add(Diagnostic.Create(descriptor, location, arguments));
            }
        }

        private static string Bytes(long bytes) => bytes >= long.MaxValue / 4 ? "more than 1 EiB" : Scriptable.Policies.Runtime.BudgetExceededException.FormatBytes((ulong)bytes);
    }
}
