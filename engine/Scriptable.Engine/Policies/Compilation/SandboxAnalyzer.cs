using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Scriptable.Engine.Policies.Compilation;

/// <summary>
/// The compile-time sandbox: checks the user code of one generated policy file against the allow-list in
/// <see cref="SandboxRules"/> and the construct bans in <see cref="SandboxDescriptors"/>.
/// </summary>
/// <remarks>
/// User code is every position of the tree whose line visibility is not <see cref="LineVisibility.Hidden"/>
/// (so a tree without <c>#line</c> directives is checked entirely); the generated wrapper sits in
/// <c>#line hidden</c> regions and is not checked. The syntax is walked once, for banned constructs. Executable
/// code (method, accessor and expression bodies, initializers) is checked through its operation tree, bound once
/// per body: every operation's type, and the method, member, constructor, operator, pattern type, <c>typeof</c>
/// operand, local, lambda or local-function signature it refers to. Type names in declarations (members,
/// parameters, base types, constraints, using directives) and attributes are bound one by one. Generic arguments,
/// array elements, tuple elements and containing types are checked too; verdicts are cached per symbol for the
/// call. Within one statement (or member declaration) a forbidden symbol is reported once.
/// </remarks>
internal static class SandboxAnalyzer
{
    /// <summary>
    /// Returns one error per forbidden use in the user regions of <paramref name="tree"/>, located at the offending
    /// syntax (mapped through <c>#line</c> to the .csx), in source order.
    /// </summary>
    /// <param name="compilation">The policy compilation (<see cref="PolicyReferences"/>), containing <paramref name="tree"/>.</param>
    /// <param name="tree">The generated policy file, before any rewriting.</param>
    /// <param name="cancellationToken">Stops the walk.</param>
    public static IReadOnlyList<Diagnostic> Analyze(CSharpCompilation compilation, SyntaxTree tree, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compilation);
        ArgumentNullException.ThrowIfNull(tree);
        var walk = new Walk(compilation, tree, cancellationToken);
        walk.Run();
        return walk.Diagnostics();
    }

    /// <summary>
    /// Why policy code may not use <paramref name="symbol"/> (a type or member of a referenced assembly), or null
    /// if it may: the verdict <see cref="Analyze"/> applies at every use. For audits of the allow-list.
    /// </summary>
    internal static string? DenialReason(CSharpCompilation compilation, ISymbol symbol)
    {
        ArgumentNullException.ThrowIfNull(compilation);
        ArgumentNullException.ThrowIfNull(symbol);
        return new Walk(compilation).DenialReason(symbol);
    }

    /// <summary>Why a symbol or construct is rejected: the descriptor, its message arguments, and the simple name to point at.</summary>
    private sealed record Denial(DiagnosticDescriptor Descriptor, string Subject, string Reason, string? Name = null)
    {
        /// <summary>Denied when named, allowed inside the interpolated strings the compiler lowers to it.</summary>
        public bool CompilerHelper { get; init; }

        /// <summary>For <see cref="SandboxDescriptors.NotForPolicyTypes"/>: the framework type derived from or implemented.</summary>
        public string? Framework { get; init; }

        public string Key => Descriptor.Id + ":" + Subject + ":" + Framework;
    }

    // Where a forbidden symbol is reported within one statement: an explicit use wins over an implicit one ('var',
    // implicitly typed lambda parameters), an outer node over the nodes it contains (the name is found in it at the
    // end), and otherwise the earlier one.
    private sealed class Finding(SyntaxNode? node, TextSpan span, Denial denial, bool implicitUse)
    {
        public SyntaxNode? Node { get; private set; } = node;

        public TextSpan Span { get; private set; } = span;

        public Denial Denial { get; } = denial;

        public bool Implicit { get; private set; } = implicitUse;

        public void Offer(SyntaxNode? node, TextSpan span, bool implicitUse)
        {
            var better = Implicit != implicitUse
                ? !implicitUse
                : !Span.Contains(span) && (span.Contains(Span) || span.Start < Span.Start);
            if (better)
            {
                (Node, Span, Implicit) = (node, span, implicitUse);
            }
        }
    }

    private sealed class Walk
    {
        private static readonly SymbolDisplayFormat s_display = new(
            globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
            typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
            genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
            memberOptions: SymbolDisplayMemberOptions.IncludeContainingType,
            miscellaneousOptions: SymbolDisplayMiscellaneousOptions.None);

        private readonly CSharpCompilation _compilation;
        private readonly SyntaxTree _tree;
        private readonly CancellationToken _cancellationToken;
        private readonly SemanticModel _model;
        private readonly Dictionary<ISymbol, Denial?> _verdicts = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<INamespaceSymbol, string> _namespaceNames = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<(SyntaxNode Anchor, string Key), Finding> _findings = [];
        private readonly Stack<IOperation> _operations = new();
        private readonly List<IOperation> _children = [];
        private IOperation? _operation;

        public Walk(CSharpCompilation compilation, SyntaxTree tree, CancellationToken cancellationToken)
        {
            _compilation = compilation;
            _tree = tree;
            _cancellationToken = cancellationToken;
            _model = compilation.GetSemanticModel(tree);
        }

        // Verdicts only: no tree to walk.
        public Walk(CSharpCompilation compilation)
        {
            _compilation = compilation;
            _tree = null!;
            _model = null!;
        }

        public string? DenialReason(ISymbol symbol) => Verdict(symbol) is { } denial
            ? denial.Descriptor == SandboxDescriptors.ForbiddenApi ? denial.Reason : denial.Descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : null;

        // How a syntax node is checked semantically. Executable code (bodies, initializers) is checked through its
        // operation tree, bound once per body: asking the semantic model about each node costs several times more.
        // Declarations (member types, parameters, base types, constraints, using directives) bind each type name,
        // which is cheap outside bodies. Attributes and primary-constructor base arguments bind each node.
        private enum Mode
        {
            Declaration,
            Body,
            EachNode,
        }

        public void Run()
        {
            var pending = new Stack<(SyntaxNode Node, Mode Mode)>();
            pending.Push((_tree.GetRoot(_cancellationToken), Mode.Declaration));
            var children = new List<SyntaxNode>();
            while (pending.Count > 0)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var (node, mode) = pending.Pop();
                if (node is InvocationExpressionSyntax invocation && IsNameOf(invocation))
                {
                    continue; // nameof(System.IO.File) is a compile-time string: harmless, its argument is not checked
                }

                var user = IsUserCode(node.SpanStart);
                if (user)
                {
                    CheckConstruct(node);
                }

                if (node is AttributeSyntax or PrimaryConstructorBaseTypeSyntax)
                {
                    mode = Mode.EachNode;
                }

                if (mode == Mode.Declaration)
                {
                    if (user && node is BaseTypeDeclarationSyntax declaration)
                    {
                        CheckBaseTypes(declaration);
                    }

                    CheckBodies(node);
                    if (user && node is TypeSyntax)
                    {
                        CheckSymbolInfo(node, _model.GetSymbolInfo(node, _cancellationToken));
                    }
                }
                else if (mode == Mode.EachNode && user)
                {
                    CheckEachNode(node);
                }

                children.Clear();
                foreach (var child in node.ChildNodes())
                {
                    children.Add(child);
                }

                for (var i = children.Count - 1; i >= 0; i--)
                {
                    var child = children[i];
                    pending.Push((child, mode == Mode.Declaration && IsBody(node, child) ? Mode.Body : mode));
                }
            }
        }

        public List<Diagnostic> Diagnostics()
        {
            var findings = _findings.Values.ToList();
            var spans = findings.Select(Locate).ToList();
            var order = Enumerable.Range(0, findings.Count).OrderBy(i => spans[i].Start).ThenBy(i => findings[i].Denial.Key, StringComparer.Ordinal);
            var diagnostics = new List<Diagnostic>(findings.Count);
            foreach (var i in order)
            {
                var denial = findings[i].Denial;
                diagnostics.Add(denial.Framework is null
                    ? Diagnostic.Create(denial.Descriptor, Location.Create(_tree, spans[i]), denial.Subject, denial.Reason)
                    : Diagnostic.Create(denial.Descriptor, Location.Create(_tree, spans[i]), denial.Subject, denial.Framework, denial.Reason));
            }

            return diagnostics;
        }

        // Points at the forbidden name inside the reported node when it is written there: 'File' in
        // System.IO.File.ReadAllText(...), 'Now' in DateTime.Now.
        private static TextSpan Locate(Finding finding)
        {
            if (finding.Node is { } node && finding.Denial.Name is { Length: > 0 } name)
            {
                foreach (var candidate in node.DescendantNodesAndSelf())
                {
                    if (candidate is SimpleNameSyntax simple && simple.Identifier.ValueText == name)
                    {
                        return simple.Span;
                    }
                }
            }

            return finding.Span;
        }

        private bool IsUserCode(int position) => _tree.GetLineVisibility(position, _cancellationToken) != LineVisibility.Hidden;

        private bool IsNameOf(InvocationExpressionSyntax invocation) =>
            invocation.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" }
            && _model.GetOperation(invocation, _cancellationToken) is INameOfOperation;

        // Children of a declaration that are executable code, checked through the declaration's operation tree.
        private static bool IsBody(SyntaxNode parent, SyntaxNode child) => parent switch
        {
            BaseMethodDeclarationSyntax method => child == method.Body || child == method.ExpressionBody
                || (method is ConstructorDeclarationSyntax constructor && child == constructor.Initializer),
            AccessorDeclarationSyntax accessor => child == accessor.Body || child == accessor.ExpressionBody,
            BasePropertyDeclarationSyntax => child is ArrowExpressionClauseSyntax or EqualsValueClauseSyntax,
            VariableDeclaratorSyntax or ParameterSyntax or EnumMemberDeclarationSyntax => child is EqualsValueClauseSyntax,
            _ => false,
        };

        // A type the policy declares must not derive from or implement the framework types framework code would
        // misuse it through (SandboxRules.NotForPolicyTypes): reported at the type's name, once per framework type.
        private void CheckBaseTypes(BaseTypeDeclarationSyntax declaration)
        {
            if (_model.GetDeclaredSymbol(declaration, _cancellationToken) is not INamedTypeSymbol type)
            {
                return;
            }

            var framework = new List<INamedTypeSymbol>();
            for (var baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
            {
                framework.Add(baseType);
            }

            // An interface counts only where the policy implements a member of it (an enum's ISpanFormattable is
            // the framework's own).
            framework.AddRange(type.AllInterfaces.Where(i => type.TypeKind == TypeKind.Interface || ImplementsInPolicy(type, i)));
            foreach (var candidate in framework)
            {
                var definition = candidate.OriginalDefinition;
                if (SandboxRules.NotForPolicyTypes.TryGetValue(MetadataName(definition), out var reason))
                {
                    var denial = new Denial(SandboxDescriptors.NotForPolicyTypes, type.Name, reason) { Framework = definition.ToDisplayString(s_display) };
                    Report(declaration, declaration.Identifier.Span, denial);
                }
            }
        }

        private bool ImplementsInPolicy(INamedTypeSymbol type, INamedTypeSymbol @interface) =>
            @interface.GetMembers().Any(member => type.FindImplementationForInterfaceMember(member) is { } implementation
                && SymbolEqualityComparer.Default.Equals(implementation.ContainingAssembly, _compilation.Assembly));

        private void CheckBodies(SyntaxNode node)
        {
            var body = node switch
            {
                BaseMethodDeclarationSyntax or AccessorDeclarationSyntax => node,
                BasePropertyDeclarationSyntax property => property.ChildNodes().FirstOrDefault(c => c is ArrowExpressionClauseSyntax or EqualsValueClauseSyntax),
                VariableDeclaratorSyntax declarator => declarator.Initializer,
                ParameterSyntax parameter => parameter.Default,
                EnumMemberDeclarationSyntax member => member.EqualsValue,
                _ => null,
            };
            if (body is not null && _model.GetOperation(body, _cancellationToken) is { } operation)
            {
                CheckOperations(operation);
            }
        }

        private void CheckOperations(IOperation root)
        {
            _operations.Push(root);
            while (_operations.Count > 0)
            {
                var operation = _operations.Pop();
                if (operation is INameOfOperation)
                {
                    continue;
                }

                if (operation.Syntax.SyntaxTree == _tree && IsUserCode(operation.Syntax.SpanStart))
                {
                    CheckOperation(operation);
                }

                _children.Clear();
                foreach (var child in operation.ChildOperations)
                {
                    _children.Add(child);
                }

                for (var i = _children.Count - 1; i >= 0; i--)
                {
                    _operations.Push(_children[i]);
                }
            }

            _operation = null;
        }

        private void CheckOperation(IOperation operation)
        {
            _operation = operation;
            var syntax = operation.Syntax;
            Check(syntax, operation.Type);
            switch (operation)
            {
                case IInvocationOperation invocation:
                    Check(syntax, invocation.TargetMethod);
                    break;
                case IMemberReferenceOperation reference:
                    Check(syntax, reference.Member);
                    break;
                case IObjectCreationOperation creation:
                    Check(syntax, creation.Constructor);
                    break;
                case IConversionOperation conversion:
                    Check(syntax, conversion.OperatorMethod);
                    break;
                case IBinaryOperation binary:
                    Check(syntax, binary.OperatorMethod);
                    break;
                case IUnaryOperation unary:
                    Check(syntax, unary.OperatorMethod);
                    break;
                case ICompoundAssignmentOperation compound:
                    Check(syntax, compound.OperatorMethod);
                    break;
                case IIncrementOrDecrementOperation increment:
                    Check(syntax, increment.OperatorMethod);
                    break;
                case ITypeOfOperation typeOf:
                    Check(syntax, typeOf.TypeOperand);
                    break;
                case ISizeOfOperation sizeOf:
                    Check(syntax, sizeOf.TypeOperand);
                    break;
                case IIsTypeOperation isType:
                    Check(syntax, isType.TypeOperand);
                    break;
                case IDeclarationPatternOperation declaration:
                    Check(syntax, declaration.MatchedType);
                    Check(syntax, declaration.DeclaredSymbol is ILocalSymbol local ? local.Type : null);
                    break;
                case ITypePatternOperation typePattern:
                    Check(syntax, typePattern.MatchedType);
                    break;
                case IRecursivePatternOperation recursive:
                    Check(syntax, recursive.MatchedType);
                    Check(syntax, recursive.DeconstructSymbol);
                    break;
                case IVariableDeclaratorOperation declarator:
                    // The local's type: at the written type if there is one, else ('var') at the variable.
                    var written = operation.Parent?.Syntax is VariableDeclarationSyntax { Type: { IsVar: false } type } ? type : null;
                    Check(written ?? syntax, declarator.Symbol.Type, implicitUse: written is null);
                    break;
                case ILocalFunctionOperation localFunction:
                    CheckSignature(syntax, localFunction.Symbol);
                    break;
                case IAnonymousFunctionOperation lambda:
                    CheckSignature(syntax, lambda.Symbol);
                    break;
                case ICatchClauseOperation catchClause:
                    Check(syntax, catchClause.ExceptionType);
                    break;
                case IForEachLoopOperation when syntax is CommonForEachStatementSyntax forEach:
                    // A pattern-based GetEnumerator or Deconstruct may be an extension method anywhere.
                    var info = _model.GetForEachStatementInfo(forEach);
                    Check(forEach.Expression, info.GetEnumeratorMethod);
                    Check(forEach.Expression, info.ElementType, implicitUse: true);
                    if (forEach is ForEachVariableStatementSyntax variables)
                    {
                        Check(variables.Variable, _model.GetDeconstructionInfo(variables).Method);
                    }

                    break;
                case IDeconstructionAssignmentOperation when syntax is AssignmentExpressionSyntax assignment:
                    Check(syntax, _model.GetDeconstructionInfo(assignment).Method);
                    break;
                case IWithOperation with:
                    Check(syntax, with.CloneMethod);
                    break;
                case ICollectionExpressionOperation collection:
                    Check(syntax, collection.ConstructMethod);
                    break;
                case IImplicitIndexerReferenceOperation indexer:
                    Check(syntax, indexer.IndexerSymbol);
                    Check(syntax, indexer.LengthSymbol);
                    break;
                case IRangeOperation range:
                    Check(syntax, range.Method);
                    break;
            }
        }

        private static bool InInterpolatedStringHandler(IOperation? operation)
        {
            for (var current = operation; current is not null; current = current.Parent)
            {
                if (current is IInterpolatedStringHandlerCreationOperation)
                {
                    return true;
                }
            }

            return false;
        }

        // Local functions and lambdas: return and parameter types (explicit or inferred) and constraints.
        private void CheckSignature(SyntaxNode syntax, IMethodSymbol method)
        {
            Check(syntax, method.ReturnType, implicitUse: true);
            foreach (var parameter in method.Parameters)
            {
                Check(syntax, parameter.Type, implicitUse: true);
            }

            foreach (var typeParameter in method.TypeParameters)
            {
                foreach (var constraint in typeParameter.ConstraintTypes)
                {
                    Check(syntax, constraint);
                }
            }
        }

        // Attribute arguments and primary-constructor base arguments: every node is bound.
        private void CheckEachNode(SyntaxNode node)
        {
            switch (node)
            {
                case ExpressionSyntax expression:
                    CheckSymbolInfo(expression, _model.GetSymbolInfo(expression, _cancellationToken));
                    var info = _model.GetTypeInfo(expression, _cancellationToken);
                    Check(expression, info.Type);
                    Check(expression, info.ConvertedType);
                    break;
                case AttributeSyntax or PrimaryConstructorBaseTypeSyntax:
                    CheckSymbolInfo(node, _model.GetSymbolInfo(node, _cancellationToken));
                    break;
            }
        }

        private void CheckSymbolInfo(SyntaxNode node, SymbolInfo info)
        {
            if (info.Symbol is not null)
            {
                Check(node, info.Symbol);
                return;
            }

            foreach (var candidate in info.CandidateSymbols)
            {
                Check(node, candidate);
            }
        }

        private void Check(SyntaxNode node, ISymbol? symbol, bool implicitUse = false)
        {
            if (symbol is null)
            {
                return;
            }

            if (symbol is INamespaceSymbol ns)
            {
                // A namespace grants nothing by itself (its types are checked where used); a using directive that
                // imports a wholly denied namespace is reported so the author learns early.
                if (node.Parent is UsingDirectiveSyntax && !ns.IsGlobalNamespace
                    && SandboxRules.IsNamespaceImportDenied(NamespaceName(ns), out var rule))
                {
                    Report(node, node.Span, new Denial(SandboxDescriptors.ForbiddenApi, NamespaceName(ns), rule.Reason));
                }

                return;
            }

            if (Verdict(symbol) is { } denial && !(denial.CompilerHelper && InInterpolatedStringHandler(_operation)))
            {
                Report(node, node.Span, denial, implicitUse);
            }
        }

        // Language constructs banned whatever the types involved.
        private void CheckConstruct(SyntaxNode node)
        {
            switch (node)
            {
                case UnsafeStatementSyntax s:
                    Report(node, s.UnsafeKeyword.Span, Construct(SandboxDescriptors.Unsafe, "unsafe"));
                    break;
                case FixedStatementSyntax s:
                    Report(node, s.FixedKeyword.Span, Construct(SandboxDescriptors.Unsafe, "fixed"));
                    break;
                case PrefixUnaryExpressionSyntax s when s.IsKind(SyntaxKind.AddressOfExpression):
                    Report(node, s.OperatorToken.Span, Construct(SandboxDescriptors.Unsafe, "&x (address-of)"));
                    break;
                case PrefixUnaryExpressionSyntax s when s.IsKind(SyntaxKind.PointerIndirectionExpression):
                    Report(node, s.OperatorToken.Span, Construct(SandboxDescriptors.Unsafe, "*p (pointer indirection)"));
                    break;
                case MemberAccessExpressionSyntax s when s.IsKind(SyntaxKind.PointerMemberAccessExpression):
                    Report(node, s.OperatorToken.Span, Construct(SandboxDescriptors.Unsafe, "p->x (pointer member access)"));
                    break;
                case StackAllocArrayCreationExpressionSyntax s:
                    Report(node, s.StackAllocKeyword.Span, Construct(SandboxDescriptors.StackAlloc, "stackalloc"));
                    break;
                case ImplicitStackAllocArrayCreationExpressionSyntax s:
                    Report(node, s.StackAllocKeyword.Span, Construct(SandboxDescriptors.StackAlloc, "stackalloc"));
                    break;
                case LockStatementSyntax s:
                    Report(node, s.LockKeyword.Span, Construct(SandboxDescriptors.Lock, "lock"));
                    break;
                case AwaitExpressionSyntax s:
                    Report(node, s.AwaitKeyword.Span, Construct(SandboxDescriptors.Async, "await"));
                    break;
                case CommonForEachStatementSyntax { AwaitKeyword.RawKind: not 0 } s:
                    Report(node, s.AwaitKeyword.Span, Construct(SandboxDescriptors.Async, "await foreach"));
                    break;
                case UsingStatementSyntax { AwaitKeyword.RawKind: not 0 } s:
                    Report(node, s.AwaitKeyword.Span, Construct(SandboxDescriptors.Async, "await using"));
                    break;
                case LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: not 0 } s:
                    Report(node, s.AwaitKeyword.Span, Construct(SandboxDescriptors.Async, "await using"));
                    break;
                case DestructorDeclarationSyntax s:
                    Report(node, s.Identifier.Span, Construct(SandboxDescriptors.Finalizer, "~"));
                    break;
                case ExternAliasDirectiveSyntax s:
                    Report(node, s.ExternKeyword.Span, Construct(SandboxDescriptors.Extern, "extern"));
                    break;
                case ExpressionSyntax when node.IsKind(SyntaxKind.ArgListExpression):
                    Report(node, node.Span, Construct(SandboxDescriptors.Undocumented, "__arglist"));
                    break;
                case MakeRefExpressionSyntax s:
                    Report(node, s.Keyword.Span, Construct(SandboxDescriptors.Undocumented, "__makeref"));
                    break;
                case RefTypeExpressionSyntax s:
                    Report(node, s.Keyword.Span, Construct(SandboxDescriptors.Undocumented, "__reftype"));
                    break;
                case RefValueExpressionSyntax s:
                    Report(node, s.Keyword.Span, Construct(SandboxDescriptors.Undocumented, "__refvalue"));
                    break;
                case ParameterSyntax s when s.Identifier.IsKind(SyntaxKind.ArgListKeyword):
                    Report(node, s.Identifier.Span, Construct(SandboxDescriptors.Undocumented, "__arglist"));
                    break;
            }

            var modifiers = node switch
            {
                MemberDeclarationSyntax m => m.Modifiers,
                LocalFunctionStatementSyntax f => f.Modifiers,
                AnonymousFunctionExpressionSyntax f => f.Modifiers,
                _ => default,
            };
            foreach (var modifier in modifiers)
            {
                var denial = modifier.Kind() switch
                {
                    SyntaxKind.UnsafeKeyword => Construct(SandboxDescriptors.Unsafe, "unsafe"),
                    SyntaxKind.FixedKeyword => Construct(SandboxDescriptors.Unsafe, "fixed"),
                    SyntaxKind.ExternKeyword => Construct(SandboxDescriptors.Extern, "extern"),
                    SyntaxKind.AsyncKeyword => Construct(SandboxDescriptors.Async, "async"),
                    _ => null,
                };
                if (denial is not null && IsUserCode(modifier.SpanStart))
                {
                    Report(node, modifier.Span, denial);
                }
            }
        }

        private static Denial Construct(DiagnosticDescriptor descriptor, string construct) => new(descriptor, construct, "");

        private void Report(SyntaxNode node, TextSpan span, Denial denial, bool implicitUse = false)
        {
            var key = (Anchor(node), denial.Key);
            if (_findings.TryGetValue(key, out var finding))
            {
                finding.Offer(node, span, implicitUse);
            }
            else
            {
                _findings.Add(key, new Finding(node, span, denial, implicitUse));
            }
        }

        // The statement or declaration a finding belongs to: one report per forbidden symbol per anchor.
        private static SyntaxNode Anchor(SyntaxNode node)
        {
            for (var current = node; current is not null; current = current.Parent)
            {
                if (current is StatementSyntax or MemberDeclarationSyntax or UsingDirectiveSyntax or ExternAliasDirectiveSyntax)
                {
                    return current;
                }
            }

            return node;
        }

        private Denial? Verdict(ISymbol symbol)
        {
            if (_verdicts.TryGetValue(symbol, out var cached))
            {
                return cached;
            }

            var denial = symbol switch
            {
                ITypeSymbol type => TypeVerdict(type),
                IMethodSymbol method => MethodVerdict(method),
                IPropertySymbol or IFieldSymbol or IEventSymbol => MemberVerdict(symbol),
                IAliasSymbol alias => Verdict(alias.Target),
                // Locals, parameters, labels, range variables, discards: user declarations, checked where declared.
                _ => null,
            };
            _verdicts[symbol] = denial;
            return denial;
        }

        private Denial? TypeVerdict(ITypeSymbol type) => type switch
        {
            IErrorTypeSymbol => null, // the compiler reports it
            IDynamicTypeSymbol => new Denial(SandboxDescriptors.Dynamic, "dynamic", "", "dynamic"),
            IPointerTypeSymbol or IFunctionPointerTypeSymbol => Construct(SandboxDescriptors.Unsafe, type.ToDisplayString()),
            IArrayTypeSymbol array => Verdict(array.ElementType),
            INamedTypeSymbol named => NamedTypeVerdict(named),
            _ => null, // type parameters: their constraints are syntax, checked where written
        };

        private Denial? NamedTypeVerdict(INamedTypeSymbol type)
        {
            if (type.IsAnonymousType)
            {
                return null; // its properties' types are the types of expressions, checked there
            }

            if (!type.IsDefinition)
            {
                // Constructed: List<System.IO.FileInfo>, (int, System.Type), Dictionary<K, V>.Enumerator.
                if (type.ContainingType is { } container && Verdict(container) is { } containerDenial)
                {
                    return containerDenial;
                }

                foreach (var argument in type.TypeArguments)
                {
                    if (Verdict(argument) is { } argumentDenial)
                    {
                        return argumentDenial;
                    }
                }

                return Verdict(type.OriginalDefinition);
            }

            if (SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, _compilation.Assembly))
            {
                return null; // declared by the policy (or its wrapper); its contents are user code, checked as such
            }

            var name = MetadataName(type);
            if (SandboxRules.Types.TryGetValue(name, out var rule))
            {
                return rule.Allowed ? null : Denied(type, rule.Reason) with { CompilerHelper = SandboxRules.CompilerHelpers.Contains(name) };
            }

            if (type.ContainingType is { } outer)
            {
                return Verdict(outer);
            }

            rule = SandboxRules.ForNamespace(NamespaceName(type.ContainingNamespace));
            return rule.Allowed ? null : Denied(type, rule.Reason);
        }

        private Denial? MethodVerdict(IMethodSymbol method)
        {
            foreach (var argument in method.TypeArguments)
            {
                if (Verdict(argument) is { } argumentDenial)
                {
                    return argumentDenial;
                }
            }

            if (method.ReducedFrom is { } extension)
            {
                return Verdict(extension); // the static method in its static class
            }

            if (method.MethodKind is MethodKind.LocalFunction or MethodKind.AnonymousFunction)
            {
                return null; // user code
            }

            return MemberVerdict(method);
        }

        private Denial? MemberVerdict(ISymbol member)
        {
            if (member.ContainingType is { } container && Verdict(container) is { } containerDenial)
            {
                return containerDenial; // a member of a forbidden type is forbidden
            }

            var definition = member.OriginalDefinition;
            if (definition.ContainingType is { } owner && !SymbolEqualityComparer.Default.Equals(owner.ContainingAssembly, _compilation.Assembly)
                && SandboxRules.IsRawMemoryName(definition.Name))
            {
                return Denied(definition, SandboxRules.RawMemory); // by name, so a member a later .NET adds is denied too
            }

            if (definition.ContainingType is { } type)
            {
                var key = MetadataName(type) + "." + definition.Name;
                if (SandboxRules.Members.TryGetValue(key, out var reason))
                {
                    return Denied(definition, reason);
                }

                if (definition is IMethodSymbol method && SandboxRules.MembersWithOverloadEntries.Contains(key)
                    && SandboxRules.Members.TryGetValue(key + Signature(method), out reason))
                {
                    return Denied(definition, reason);
                }
            }

            var memberType = member switch
            {
                IPropertySymbol property => property.Type,
                IFieldSymbol field => field.Type,
                IEventSymbol @event => @event.Type,
                _ => null,
            };
            return memberType is null ? null : Verdict(memberType);
        }

        private static Denial Denied(ISymbol symbol, string reason) => new(
            SandboxDescriptors.ForbiddenApi,
            symbol.ToDisplayString(s_display),
            reason,
            symbol is IMethodSymbol { MethodKind: MethodKind.Constructor } ? symbol.ContainingType.Name : symbol.Name);

        private string Signature(IMethodSymbol method)
        {
            var parameters = method.Parameters.Select(p => p.Type is INamedTypeSymbol named ? MetadataName(named) : p.Type.ToDisplayString());
            return "(" + string.Join(",", parameters) + ")";
        }

        // System.Collections.Generic.List`1, System.Environment+SpecialFolder.
        private string MetadataName(INamedTypeSymbol type)
        {
            if (type.ContainingType is { } outer)
            {
                return MetadataName(outer) + "+" + type.MetadataName;
            }

            var ns = NamespaceName(type.ContainingNamespace);
            return ns.Length == 0 ? type.MetadataName : ns + "." + type.MetadataName;
        }

        private string NamespaceName(INamespaceSymbol? ns)
        {
            if (ns is null || ns.IsGlobalNamespace)
            {
                return "";
            }

            if (!_namespaceNames.TryGetValue(ns, out var name))
            {
                name = ns.ToDisplayString();
                _namespaceNames.Add(ns, name);
            }

            return name;
        }
    }
}
