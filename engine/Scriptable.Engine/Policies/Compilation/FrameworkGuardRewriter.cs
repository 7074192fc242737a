using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Scriptable.Engine.Policies.Compilation;

/// <summary>
/// Guards the framework calls of a policy's user code against work the budget's ticks never see (issue 14,
/// finding 5): lazily unbounded generators become counted ones, regular expressions get a match timeout,
/// allocations sized by an argument are checked before they happen, and large results of framework calls are
/// followed by a check of the thread's real allocation. The tables are in <see cref="FrameworkGuards"/>;
/// README.md ("Framework calls") says what is covered and what is not.
/// </summary>
/// <remarks>
/// Runs before <see cref="BudgetRewriter"/>, on the tree as generated and its model. Like it, it touches only
/// user code (not <c>#line hidden</c>), never adds a line, and the result compiles whenever the original did:
/// a replacement has the same name and parameters as what it replaces, and a wrapper returns its argument
/// with the same type.
/// </remarks>
internal static class FrameworkGuardRewriter
{
    /// <summary>Returns <paramref name="tree"/> with the framework calls of its user code guarded; <paramref name="model"/> is the tree's model.</summary>
    public static SyntaxTree Rewrite(SyntaxTree tree, SemanticModel model)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(model);
        if (model.SyntaxTree != tree)
        {
            throw new ArgumentException("The semantic model must be the model of the tree being rewritten.", nameof(model));
        }

        var root = tree.GetRoot();
        var rewritten = new Rewriter(tree, model).Visit(root);
        return rewritten == root ? tree : tree.WithRootAndOptions(rewritten, tree.Options);
    }

    /// <summary>
    /// True if policy code that uses <paramref name="member"/> (a framework method, constructor or property) gets
    /// it guarded: a size check on an argument, or a counted or time-limited twin. For the audit of the allow-list.
    /// </summary>
    internal static bool IsGuarded(Microsoft.CodeAnalysis.Compilation compilation, ISymbol member)
    {
        ArgumentNullException.ThrowIfNull(compilation);
        ArgumentNullException.ThrowIfNull(member);
        if (member.OriginalDefinition.GetDocumentationCommentId() is { } id && FrameworkGuards.Sizes.ContainsKey(id))
        {
            return true;
        }

        return member is IMethodSymbol method && (method.MethodKind == MethodKind.Constructor
            ? CreateTwinOf(compilation, method) is not null
            : TwinOf(compilation, method.OriginalDefinition, receiverFirst: !method.IsStatic) is not null);
    }

    // The method of the runtime class with the same name, type parameters and parameters (the receiver first
    // for instance methods); null if the member is not redirected or that overload has no twin.
    private static IMethodSymbol? TwinOf(Microsoft.CodeAnalysis.Compilation compilation, IMethodSymbol definition, bool receiverFirst)
    {
        var key = (MetadataName(definition.ContainingType), definition.Name);
        var table = receiverFirst ? FrameworkGuards.Instances : FrameworkGuards.Statics;
        return table.TryGetValue(key, out var runtime) && compilation.GetTypeByMetadataName(runtime) is { } type
            ? type.GetMembers(definition.Name).OfType<IMethodSymbol>().FirstOrDefault(m => SameParameters(definition, m, receiverFirst))
            : null;
    }

    private static IMethodSymbol? CreateTwinOf(Microsoft.CodeAnalysis.Compilation compilation, IMethodSymbol constructor)
    {
        var definition = constructor.OriginalDefinition;
        return FrameworkGuards.Constructors.TryGetValue(MetadataName(definition.ContainingType), out var runtime) && compilation.GetTypeByMetadataName(runtime) is { } type
            ? type.GetMembers("Create").OfType<IMethodSymbol>().FirstOrDefault(m => SameParameters(definition, m, receiverFirst: false))
            : null;
    }

    private static bool SameParameters(IMethodSymbol framework, IMethodSymbol twin, bool receiverFirst)
    {
        var offset = receiverFirst ? 1 : 0;
        if (twin.Parameters.Length != framework.Parameters.Length + offset || twin.TypeParameters.Length != framework.TypeParameters.Length)
        {
            return false;
        }

        if (receiverFirst && !SymbolEqualityComparer.Default.Equals(twin.Parameters[0].Type, framework.ContainingType))
        {
            return false;
        }

        for (var i = 0; i < framework.Parameters.Length; i++)
        {
            var (a, b) = (framework.Parameters[i], twin.Parameters[i + offset]);
            if (a.Name != b.Name || a.RefKind != b.RefKind || TypeKey(a.Type) != TypeKey(b.Type))
            {
                return false;
            }
        }

        return true;
    }

    // Method type parameters by position, so Repeat<TResult> matches whatever the twin calls it.
    private static string TypeKey(ITypeSymbol type) => type switch
    {
        ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Method } parameter => "!!" + parameter.Ordinal,
        IArrayTypeSymbol array => TypeKey(array.ElementType) + "[]",
        INamedTypeSymbol { IsGenericType: true } named => named.OriginalDefinition.ToDisplayString() + "<" + string.Join(",", named.TypeArguments.Select(TypeKey)) + ">",
        _ => type.ToDisplayString(),
    };

    private static string MetadataName(INamedTypeSymbol type) =>
        type.ContainingType is { } outer ? MetadataName(outer) + "+" + type.MetadataName
            : type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + type.MetadataName : type.MetadataName;

    private sealed class Rewriter(SyntaxTree tree, SemanticModel model) : CSharpSyntaxRewriter
    {
        private readonly INamedTypeSymbol? _expressionType = model.Compilation.GetTypeByMetadataName("System.Linq.Expressions.Expression");
        private readonly INamedTypeSymbol? _readOnlyCollection = model.Compilation.GetSpecialType(SpecialType.System_Collections_Generic_IReadOnlyCollection_T);
        private readonly Dictionary<IMethodSymbol, IMethodSymbol?> _twins = new(SymbolEqualityComparer.Default);

        // Attribute arguments are constants: nothing to guard.
        public override SyntaxNode? VisitAttributeList(AttributeListSyntax node) => node;

        // Lambdas converted to expression trees are data, not code that runs here.
        public override SyntaxNode? VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node) =>
            IsExpressionTree(node) ? node : base.VisitParenthesizedLambdaExpression(node);

        public override SyntaxNode? VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node) =>
            IsExpressionTree(node) ? node : base.VisitSimpleLambdaExpression(node);

        public override SyntaxNode? VisitAnonymousMethodExpression(AnonymousMethodExpressionSyntax node) =>
            IsExpressionTree(node) ? node : base.VisitAnonymousMethodExpression(node);

        // Framework calls: sizes and formats checked first, twins for generators, regexes and replacements, the
        // receiver of a growing void method and a large result checked. nameof(Enumerable.Range) names, it does
        // not call: left alone.
        public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
        {
            if (!IsUser(node) || model.GetOperation(node) is not IInvocationOperation operation)
            {
                return node.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" } ? node : base.VisitInvocationExpression(node);
            }

            var visited = (InvocationExpressionSyntax)base.VisitInvocationExpression(node)!;
            var method = operation.TargetMethod;
            if (!IsFramework(method) || method.MethodKind == MethodKind.DelegateInvoke)
            {
                return visited;
            }

            visited = visited.WithArgumentList(GuardSizes(operation.Arguments, method, node.ArgumentList, visited.ArgumentList));
            var inChain = StartsWithBinding(node);
            ExpressionSyntax result = visited;
            if (method.IsStatic && Twin(method, receiverFirst: false) is { } twin)
            {
                // Enumerable.Range(0, n) and Range(0, n) (using static) become CountedSequences.Range(0, n).
                result = visited.WithExpression(KeepLines(visited.Expression, Qualified(twin.ContainingType, visited.Expression)));
            }
            else if (!method.IsStatic && !inChain && node.Expression is MemberAccessExpressionSyntax { Expression: not BaseExpressionSyntax } && Twin(method, receiverFirst: true) is { } instanceTwin)
            {
                // s.Replace(a, b) becomes FrameworkGuard.Replace(s, a, b).
                var access = (MemberAccessExpressionSyntax)visited.Expression;
                var arguments = SeparatedList(
                    [Argument(access.Expression.WithoutTrivia()), .. visited.ArgumentList.Arguments],
                    [Comma, .. visited.ArgumentList.Arguments.GetSeparators()]);
                result = KeepLines(visited, InvocationExpression(Member(instanceTwin.ContainingType, access.Name.Identifier.ValueText), visited.ArgumentList.WithArguments(arguments)));
            }
            else if (method.ReturnsVoid && !method.IsStatic && !inChain && node.Expression is MemberAccessExpressionSyntax { Expression: not (BaseExpressionSyntax or ThisExpressionSyntax) }
                && method.Parameters.Any(p => IsSequence(p.Type)) && operation.Instance?.Type is { IsReferenceType: true } receiverType
                && ProducedCall(receiverType, node.SpanStart) is { } receiverCheck)
            {
                // list.AddRange(list) grows the list and returns nothing: its receiver is checked instead, so a
                // doubling loop stops at the call after it passed the budget.
                var access = (MemberAccessExpressionSyntax)visited.Expression;
                result = visited.WithExpression(access.WithExpression(receiverCheck(access.Expression.WithoutTrivia()).WithTriviaFrom(access.Expression)));
            }

            if (!inChain && !method.ReturnsByRef && !method.ReturnsByRefReadonly && ProducedCall(method.ReturnType, node.SpanStart) is { } wrap)
            {
                result = wrap(result.WithoutTrivia()).WithTriviaFrom(result);
            }

            return result;
        }

        public override SyntaxNode? VisitObjectCreationExpression(ObjectCreationExpressionSyntax node)
        {
            var visited = (ObjectCreationExpressionSyntax)base.VisitObjectCreationExpression(node)!;
            if (!IsUser(node) || model.GetOperation(node) is not IObjectCreationOperation { Constructor: { } constructor } operation || !IsFramework(constructor))
            {
                return visited;
            }

            if (node.ArgumentList is { } arguments)
            {
                visited = visited.WithArgumentList(GuardSizes(operation.Arguments, constructor, arguments, visited.ArgumentList!));
            }

            // new Regex(p) becomes RegexGuard.Create(p).
            if (node.Initializer is null && CreateTwin(constructor) is { } create)
            {
                return KeepLines(visited, InvocationExpression(Member(create.ContainingType, create.Name), visited.ArgumentList ?? ArgumentList()));
            }

            return ProducedCall(constructor.ContainingType, node.SpanStart) is { } wrap ? wrap(visited.WithoutTrivia()).WithTriviaFrom(visited) : visited;
        }

        // `new(...)` is typed by its target: sizes and constructor twins only (a twin has the same type).
        public override SyntaxNode? VisitImplicitObjectCreationExpression(ImplicitObjectCreationExpressionSyntax node)
        {
            var visited = (ImplicitObjectCreationExpressionSyntax)base.VisitImplicitObjectCreationExpression(node)!;
            if (!IsUser(node) || model.GetOperation(node) is not IObjectCreationOperation { Constructor: { } constructor } operation || !IsFramework(constructor))
            {
                return visited;
            }

            visited = visited.WithArgumentList(GuardSizes(operation.Arguments, constructor, node.ArgumentList, visited.ArgumentList));
            return node.Initializer is null && CreateTwin(constructor) is { } create
                ? KeepLines(visited, InvocationExpression(Member(create.ContainingType, create.Name), visited.ArgumentList))
                : visited;
        }

        // Method groups: Func<int, int, IEnumerable<int>> f = Enumerable.Range; gets the counted twin.
        public override SyntaxNode? VisitMemberAccessExpression(MemberAccessExpressionSyntax node)
        {
            var visited = base.VisitMemberAccessExpression(node)!;
            return IsMethodGroup(node, node.Name) is { } twin ? KeepLines(visited, Qualified(twin.ContainingType, (ExpressionSyntax)visited)) : visited;
        }

        public override SyntaxNode? VisitIdentifierName(IdentifierNameSyntax node) =>
            node.Parent is not MemberAccessExpressionSyntax access || access.Name != node
                ? IsMethodGroup(node, node) is { } twin ? Qualified(twin.ContainingType, node).WithTriviaFrom(node) : node
                : node;

        public override SyntaxNode? VisitGenericName(GenericNameSyntax node)
        {
            var visited = (GenericNameSyntax)base.VisitGenericName(node)!;
            return node.Parent is not MemberAccessExpressionSyntax access || access.Name != node
                ? IsMethodGroup(node, node) is { } twin ? Qualified(twin.ContainingType, visited).WithTriviaFrom(visited) : visited
                : visited;
        }

        // String concatenation and BigInteger arithmetic: the outermost `a + b + c` of a chain (the compiler makes
        // one Concat of it) is checked after; a BigInteger shift is checked before.
        public override SyntaxNode? VisitBinaryExpression(BinaryExpressionSyntax node)
        {
            var visited = (BinaryExpressionSyntax)base.VisitBinaryExpression(node)!;
            if (!IsUser(node) || model.GetConstantValue(node).HasValue || model.GetOperation(node) is not IBinaryOperation operation)
            {
                return visited;
            }

            if (IsStringConcatenation(operation))
            {
                return node.Parent is BinaryExpressionSyntax parent && parent.Left == node && model.GetOperation(parent) is IBinaryOperation outer && IsStringConcatenation(outer)
                    ? visited
                    : Call(FrameworkGuards.FrameworkGuard, "Produced", visited.WithoutTrivia()).WithTriviaFrom(visited);
            }

            if (operation.OperatorMethod is not { } op || !IsBigInteger(op.ContainingType))
            {
                return visited;
            }

            visited = operation.OperatorKind switch
            {
                BinaryOperatorKind.LeftShift => visited.WithRight(Call(FrameworkGuards.FrameworkGuard, "ShiftLeft", visited.Right.WithoutTrivia()).WithTriviaFrom(visited.Right)),
                BinaryOperatorKind.RightShift or BinaryOperatorKind.UnsignedRightShift => visited.WithRight(Call(FrameworkGuards.FrameworkGuard, "ShiftRight", visited.Right.WithoutTrivia()).WithTriviaFrom(visited.Right)),
                _ => visited,
            };
            return IsBigInteger(op.ReturnType) ? Call(FrameworkGuards.FrameworkGuard, "Produced", visited.WithoutTrivia()).WithTriviaFrom(visited) : visited;
        }

        // s += t (strings, BigIntegers): what is added is checked first, so a doubling `s += s` stops at the step
        // after it passed the budget; sb.Capacity = n and the like: the size first.
        public override SyntaxNode? VisitAssignmentExpression(AssignmentExpressionSyntax node)
        {
            var visited = (AssignmentExpressionSyntax)base.VisitAssignmentExpression(node)!;
            if (!IsUser(node))
            {
                return visited;
            }

            switch (model.GetOperation(node))
            {
                case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property: var property } } when SizeOf(property) is { } sized:
                    return visited.WithRight(GuardSize(sized[0], property.ContainingType, null, visited.Right, node.SpanStart));
                case ICompoundAssignmentOperation { Target: IPropertyReferenceOperation { Property: var property } } when SizeOf(property) is { } sized:
                    return visited.WithRight(GuardSize(sized[0], property.ContainingType, null, visited.Right, node.SpanStart));
                case ICompoundAssignmentOperation compound when compound.Type?.SpecialType == SpecialType.System_String && compound.OperatorKind == BinaryOperatorKind.Add:
                    return visited.WithRight(Call(FrameworkGuards.FrameworkGuard, "Produced", visited.Right.WithoutTrivia()).WithTriviaFrom(visited.Right));
                case ICompoundAssignmentOperation { OperatorMethod: { } op } compound when IsBigInteger(op.ContainingType):
                    var check = compound.OperatorKind switch
                    {
                        BinaryOperatorKind.LeftShift => "ShiftLeft",
                        BinaryOperatorKind.RightShift or BinaryOperatorKind.UnsignedRightShift => "ShiftRight",
                        _ => null,
                    };
                    return check is null || !IsInt32(compound.Value.Type)
                        ? ProducedCall(compound.Value.Type, node.SpanStart) is { } wrap ? visited.WithRight(wrap(visited.Right.WithoutTrivia()).WithTriviaFrom(visited.Right)) : visited
                        : visited.WithRight(Call(FrameworkGuards.FrameworkGuard, check, visited.Right.WithoutTrivia()).WithTriviaFrom(visited.Right));
                default:
                    return visited;
            }
        }

        // $"{s}{s}" as a string (not a handler, not FormattableString): checked after.
        public override SyntaxNode? VisitInterpolatedStringExpression(InterpolatedStringExpressionSyntax node)
        {
            var visited = base.VisitInterpolatedStringExpression(node)!;
            if (!IsUser(node) || model.GetConstantValue(node).HasValue || model.GetTypeInfo(node).ConvertedType?.SpecialType != SpecialType.System_String
                || model.GetOperation(node) is not IInterpolatedStringOperation)
            {
                return visited;
            }

            return Call(FrameworkGuards.FrameworkGuard, "Produced", ((ExpressionSyntax)visited).WithoutTrivia()).WithTriviaFrom(visited);
        }

        // a?.Replace(x, y): the chain as a whole is checked after (its parts cannot be wrapped one by one).
        public override SyntaxNode? VisitConditionalAccessExpression(ConditionalAccessExpressionSyntax node)
        {
            var visited = (ConditionalAccessExpressionSyntax)base.VisitConditionalAccessExpression(node)!;
            if (!IsUser(node) || node.Parent is ConditionalAccessExpressionSyntax parent && parent.WhenNotNull == node
                || !EndsInFrameworkCall(node.WhenNotNull) || ProducedCall(model.GetTypeInfo(node).Type, node.SpanStart) is not { } wrap)
            {
                return visited;
            }

            return wrap(visited.WithoutTrivia()).WithTriviaFrom(visited);
        }

        // [.. a, .. a]: what is spread is checked first, so a doubling list stops at the step after it passed.
        public override SyntaxNode? VisitSpreadElement(SpreadElementSyntax node)
        {
            var visited = (SpreadElementSyntax)base.VisitSpreadElement(node)!;
            return IsUser(node) && ProducedCall(model.GetTypeInfo(node.Expression).Type, node.SpanStart) is { } wrap
                ? visited.WithExpression(wrap(visited.Expression.WithoutTrivia()).WithTriviaFrom(visited.Expression))
                : visited;
        }

        // --- sizes ---

        private ArgumentListSyntax GuardSizes(IEnumerable<IArgumentOperation> arguments, IMethodSymbol method, ArgumentListSyntax original, ArgumentListSyntax visited)
        {
            visited = GuardFormats(arguments, original, visited);
            if (SizeOf(method) is not { } sizes)
            {
                return visited;
            }

            foreach (var argument in arguments)
            {
                if (argument.ArgumentKind != ArgumentKind.Explicit || argument.Syntax is not ArgumentSyntax syntax || argument.Parameter is not { } parameter
                    || !syntax.RefKindKeyword.IsKind(SyntaxKind.None))
                {
                    continue;
                }

                var index = original.Arguments.IndexOf(syntax);
                foreach (var sized in sizes)
                {
                    if (index >= 0 && parameter.Name == sized.Parameter)
                    {
                        var target = visited.Arguments[index];
                        visited = visited.WithArguments(visited.Arguments.Replace(target, target.WithExpression(GuardSize(sized, method.ContainingType, method, target.Expression, original.SpanStart))));
                    }
                }
            }

            return visited;
        }

        // A `format` argument (ToString, TryFormat, string.Format, AppendFormat, ...) asks framework code for a
        // width or precision: a constant is checked here, anything else when it runs (FrameworkGuard.Format).
        private ArgumentListSyntax GuardFormats(IEnumerable<IArgumentOperation> arguments, ArgumentListSyntax original, ArgumentListSyntax visited)
        {
            foreach (var argument in arguments)
            {
                if (argument.ArgumentKind != ArgumentKind.Explicit || argument.Syntax is not ArgumentSyntax syntax || argument.Parameter is not { Name: "format" } parameter
                    || !syntax.RefKindKeyword.IsKind(SyntaxKind.None) || !IsText(parameter.Type) || model.GetTypeInfo(syntax.Expression).Type is not { } type || !IsText(type))
                {
                    continue;
                }

                if (model.GetConstantValue(syntax.Expression) is { HasValue: true } constant
                    && (constant.Value is not string text || Scriptable.Policies.Runtime.FrameworkGuard.WidestFormat(text) <= Scriptable.Policies.Runtime.FrameworkGuard.SmallChars))
                {
                    continue; // a constant asking for little: nothing to check when it runs
                }

                var index = original.Arguments.IndexOf(syntax);
                var target = visited.Arguments[index];
                visited = visited.WithArguments(visited.Arguments.Replace(target, target.WithExpression(
                    Call(FrameworkGuards.FrameworkGuard, "Format", target.Expression.WithoutTrivia()).WithTriviaFrom(target.Expression))));
            }

            return visited;
        }

        private static bool IsText(ITypeSymbol type) =>
            type.SpecialType == SpecialType.System_String || type is INamedTypeSymbol { Name: "ReadOnlySpan", TypeArguments: [{ SpecialType: SpecialType.System_Char }] };

        // {x,1000000000} and {x:D999999999}: the width is a constant, checked before the handler pads to it.
        public override SyntaxNode? VisitInterpolation(InterpolationSyntax node)
        {
            var visited = (InterpolationSyntax)base.VisitInterpolation(node)!;
            if (!IsUser(node))
            {
                return visited;
            }

            var width = 0L;
            if (node.AlignmentClause is { } alignment && model.GetConstantValue(alignment.Value) is { HasValue: true, Value: int align })
            {
                width = Math.Abs((long)align);
            }

            if (node.FormatClause is { } format)
            {
                width = Math.Max(width, Scriptable.Policies.Runtime.FrameworkGuard.WidestFormat(format.FormatStringToken.ValueText));
            }

            if (width <= Scriptable.Policies.Runtime.FrameworkGuard.SmallChars)
            {
                return visited;
            }

            var check = InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, ParseExpression("global::" + FrameworkGuards.FrameworkGuard), IdentifierName("Formatted")),
                ArgumentList(SeparatedList([Argument(visited.Expression.WithoutTrivia()), Argument(LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(width)))], [Comma])));
            return visited.WithExpression(check.WithTriviaFrom(visited.Expression));
        }

        private static FrameworkGuards.SizedBy[]? SizeOf(ISymbol member) =>
            member.OriginalDefinition.GetDocumentationCommentId() is { } id && FrameworkGuards.Sizes.TryGetValue(id, out var sizes) ? sizes : null;

        // n becomes Budget.Length<E>(n), E what n counts; a bit count becomes FrameworkGuard.Bits(n).
        private InvocationExpressionSyntax GuardSize(FrameworkGuards.SizedBy sized, INamedTypeSymbol container, IMethodSymbol? method, ExpressionSyntax size, int position)
        {
            if (sized.Element == "bits")
            {
                return Call(FrameworkGuards.FrameworkGuard, "Bits", size.WithoutTrivia()).WithTriviaFrom(size);
            }

            var element = sized.Element switch
            {
                "char" => "char",
                "object" => "object",
                "object,object" => "global::System.Collections.Generic.KeyValuePair<object, object>",
                "lock" => "global::System.ValueTuple<object, object, object, object>",
                "T0" => Spell(container.TypeArguments.ElementAtOrDefault(0), position),
                "T0,T1" => container.TypeArguments.Length < 2 ? "object" : $"global::System.Collections.Generic.KeyValuePair<{Spell(container.TypeArguments[0], position)}, {Spell(container.TypeArguments[1], position)}>",
                "M0" => Spell(method?.TypeArguments.ElementAtOrDefault(0), position),
                _ => "object",
            };
            var length = InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, ParseExpression("global::" + FrameworkGuards.Budget), GenericName(Identifier("Length"), TypeArgumentList(SingletonSeparatedList(ParseTypeName(element))))),
                ArgumentList(SingletonSeparatedList(Argument(size.WithoutTrivia()))));
            return length.WithTriviaFrom(size);
        }

        // A type as code (with its nullable annotations where the code has them); an anonymous type (or one
        // containing it) counts as a reference.
        private string Spell(ITypeSymbol? type, int position) =>
            type is null || type is IErrorTypeSymbol || ContainsAnonymous(type) ? "object"
                : type.ToDisplayString(model.GetNullableContext(position).AnnotationsEnabled() ? s_annotated : SymbolDisplayFormat.FullyQualifiedFormat);

        private static readonly SymbolDisplayFormat s_annotated =
            SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        private static bool ContainsAnonymous(ITypeSymbol type) => type switch
        {
            { IsAnonymousType: true } => true,
            IArrayTypeSymbol array => ContainsAnonymous(array.ElementType),
            INamedTypeSymbol named => named.TypeArguments.Any(ContainsAnonymous) || named.ContainingType is { } outer && ContainsAnonymous(outer),
            _ => false,
        };

        // --- results ---

        // The check after a framework call, by the static type of what it returns: strings, StringBuilders,
        // one-dimensional arrays, BigIntegers, and the collections of System.Collections.
        private Func<ExpressionSyntax, ExpressionSyntax>? ProducedCall(ITypeSymbol? type, int position)
        {
            switch (type)
            {
                case null or IErrorTypeSymbol:
                    return null;
                case { SpecialType: SpecialType.System_String }:
                case IArrayTypeSymbol { IsSZArray: true }:
                    return e => Call(FrameworkGuards.FrameworkGuard, "Produced", e);
                case INamedTypeSymbol named when IsBigInteger(named) || Is(named, "System.Text", "StringBuilder")
                    || Is(named.OriginalDefinition, "System.Collections.Immutable", "ImmutableArray") && named.IsGenericType:
                    return e => Call(FrameworkGuards.FrameworkGuard, "Produced", e);
                case INamedTypeSymbol named when named.ContainingNamespace?.ToDisplayString() is { } ns && ns.StartsWith("System.Collections", StringComparison.Ordinal)
                    && !ContainsAnonymous(named) && ReadOnlyCollectionElement(named) is { } element && !ContainsAnonymous(element):
                    var typeArguments = TypeArgumentList(SeparatedList([ParseTypeName(Spell(named, position)), ParseTypeName(Spell(element, position))], [Comma]));
                    return e => InvocationExpression(
                        MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, ParseExpression("global::" + FrameworkGuards.FrameworkGuard), GenericName(Identifier("Produced"), typeArguments)),
                        ArgumentList(SingletonSeparatedList(Argument(e))));
                default:
                    return null;
            }
        }

        private ITypeSymbol? ReadOnlyCollectionElement(INamedTypeSymbol type)
        {
            if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, _readOnlyCollection))
            {
                return type.TypeArguments[0];
            }

            foreach (var candidate in type.AllInterfaces)
            {
                if (SymbolEqualityComparer.Default.Equals(candidate.OriginalDefinition, _readOnlyCollection))
                {
                    return candidate.TypeArguments[0];
                }
            }

            return null;
        }

        // --- twins ---

        private IMethodSymbol? IsMethodGroup(ExpressionSyntax node, SimpleNameSyntax name)
        {
            if (!FrameworkGuards.StaticNames.Contains(name.Identifier.ValueText) || node.Parent is InvocationExpressionSyntax invocation && invocation.Expression == node
                || !IsUser(node) || model.GetSymbolInfo(node).Symbol is not IMethodSymbol { IsStatic: true } method || !IsFramework(method))
            {
                return null;
            }

            return Twin(method, receiverFirst: false);
        }

        private IMethodSymbol? Twin(IMethodSymbol method, bool receiverFirst)
        {
            var definition = (method.ReducedFrom ?? method).OriginalDefinition;
            if (!_twins.TryGetValue(definition, out var twin))
            {
                twin = TwinOf(model.Compilation, definition, receiverFirst);
                _twins[definition] = twin;
            }

            return twin;
        }

        private IMethodSymbol? CreateTwin(IMethodSymbol constructor) => CreateTwinOf(model.Compilation, constructor);
        // --- helpers ---

        // The replacement with the original's outer trivia, and as many line ends as the original had inside
        // (receiver, dot and name of `s\n    .Replace(...)` on two lines): what follows stays on its line.
        private static T KeepLines<T>(SyntaxNode original, T replacement)
            where T : SyntaxNode
        {
            var missing = LineEnds(original.WithoutTrivia()) - LineEnds(replacement.WithoutTrivia());
            var kept = replacement.WithTriviaFrom(original);
            if (missing <= 0)
            {
                return kept;
            }

            var ends = Enumerable.Repeat(EndOfLine("\n"), missing);
            return kept.WithTrailingTrivia(TriviaList(ends).AddRange(kept.GetTrailingTrivia()));
        }

        private static SyntaxToken Comma => Token(SyntaxKind.CommaToken).WithTrailingTrivia(Space);

        private static int LineEnds(SyntaxNode node) => node.DescendantTrivia(descendIntoTrivia: true).Count(t => t.IsKind(SyntaxKind.EndOfLineTrivia));

        private bool IsUser(SyntaxNode original) => tree.GetLineVisibility(original.SpanStart) != LineVisibility.Hidden;

        private bool IsExpressionTree(AnonymousFunctionExpressionSyntax original)
        {
            for (var type = model.GetTypeInfo(original).ConvertedType; type is not null; type = type.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, _expressionType))
                {
                    return true;
                }
            }

            return false;
        }

        // Framework members: the System namespaces, not the policy API and not the policy's own code.
        private bool IsFramework(ISymbol symbol) =>
            !SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, model.Compilation.Assembly)
            && symbol.ContainingNamespace?.ToDisplayString() is { } ns && (ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal));

        private bool EndsInFrameworkCall(ExpressionSyntax whenNotNull) => whenNotNull switch
        {
            InvocationExpressionSyntax invocation => model.GetOperation(invocation) is IInvocationOperation { TargetMethod: var method } && IsFramework(method),
            ConditionalAccessExpressionSyntax nested => EndsInFrameworkCall(nested.WhenNotNull),
            _ => false,
        };

        // True when the expression is part of a `?.` chain (starts with `.Name` or `[i]` bound to the receiver):
        // it cannot be wrapped by itself.
        private static bool StartsWithBinding(ExpressionSyntax expression)
        {
            for (var current = expression; ;)
            {
                switch (current)
                {
                    case MemberBindingExpressionSyntax or ElementBindingExpressionSyntax:
                        return true;
                    case InvocationExpressionSyntax invocation:
                        current = invocation.Expression;
                        break;
                    case MemberAccessExpressionSyntax access:
                        current = access.Expression;
                        break;
                    case ElementAccessExpressionSyntax element:
                        current = element.Expression;
                        break;
                    case PostfixUnaryExpressionSyntax postfix:
                        current = postfix.Operand;
                        break;
                    default:
                        return false;
                }
            }
        }

        // Parameters through which a void method may add a whole sequence to its receiver (AddRange, UnionWith).
        private static bool IsSequence(ITypeSymbol type) =>
            type.SpecialType is SpecialType.System_String or SpecialType.System_Collections_IEnumerable or SpecialType.System_Collections_Generic_IEnumerable_T
            || type is IArrayTypeSymbol
            || type.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_Collections_IEnumerable)
            || type is INamedTypeSymbol { Name: "ReadOnlySpan" or "Span" };

        private static bool IsStringConcatenation(IBinaryOperation operation) =>
            operation.OperatorKind == BinaryOperatorKind.Add && operation.Type?.SpecialType == SpecialType.System_String;

        private static bool IsBigInteger(ITypeSymbol? type) => type is INamedTypeSymbol named && Is(named, "System.Numerics", "BigInteger");

        private static bool IsInt32(ITypeSymbol? type) => type?.SpecialType == SpecialType.System_Int32;

        private static bool Is(INamedTypeSymbol type, string ns, string name) =>
            type.Name == name && type.ContainingType is null && type.ContainingNamespace?.ToDisplayString() == ns;

        // `global::Runtime.Type.Name`, keeping the generic arguments written in `name` (Enumerable.Repeat<int>).
        private static MemberAccessExpressionSyntax Qualified(INamedTypeSymbol runtime, ExpressionSyntax name)
        {
            SimpleNameSyntax simple = name switch
            {
                MemberAccessExpressionSyntax access => access.Name,
                SimpleNameSyntax s => s,
                _ => throw new InvalidOperationException("Unexpected method name syntax: " + name.Kind()),
            };
            return MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, ParseExpression("global::" + runtime.ToDisplayString()), simple.WithoutTrivia());
        }

        private static MemberAccessExpressionSyntax Member(INamedTypeSymbol runtime, string name) =>
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, ParseExpression("global::" + runtime.ToDisplayString()), IdentifierName(name));

        private static InvocationExpressionSyntax Call(string runtime, string name, ExpressionSyntax argument) =>
            InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, ParseExpression("global::" + runtime), IdentifierName(name)),
                ArgumentList(SingletonSeparatedList(Argument(argument))));
    }
}
