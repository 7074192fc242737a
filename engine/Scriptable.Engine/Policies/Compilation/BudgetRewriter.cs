using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Scriptable.Policies.Runtime;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Scriptable.Engine.Policies.Compilation;

/// <summary>
/// Instruments the user code of a generated policy file with calls to <see cref="Budget"/>, so that an
/// endless loop, a runaway recursion or a huge array stops with a <see cref="BudgetExceededException"/>
/// that the policy cannot catch. Generated code (<c>#line hidden</c> regions) is left as it is.
/// </summary>
/// <remarks>
/// The rewritten tree compiles whenever the original did, and keeps every line where it was: inserted code
/// goes on the line of the brace or statement it belongs to, and all trivia (the <c>#line</c> directives
/// among them) stays attached, so diagnostics and stack traces still point into the .csx.
/// </remarks>
internal static class BudgetRewriter
{
    private static readonly string BudgetName = "global::" + typeof(Budget).FullName;
    private static readonly StatementSyntax TickStatement = ParseStatement(BudgetName + "." + nameof(Budget.Tick) + "();");
    private static readonly StatementSyntax EnterStatement = ParseStatement(BudgetName + "." + nameof(Budget.Enter) + "();");
    private static readonly ExpressionSyntax OkExpression = ParseExpression(BudgetName + "." + nameof(Budget.Ok));
    private static readonly ExpressionSyntax EnterExpressionCall = ParseExpression(BudgetName + "." + nameof(Budget.EnterExpression) + "()");
    private static readonly ExpressionSyntax BudgetType = ParseExpression(BudgetName);

    /// <summary>Returns <paramref name="tree"/> with its user code instrumented; <paramref name="model"/> is the tree's model in an error-free compilation.</summary>
    public static SyntaxTree Rewrite(SyntaxTree tree, SemanticModel model)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(model);
        if (model.SyntaxTree != tree)
        {
            throw new ArgumentException("The semantic model must be the model of the tree being rewritten.", nameof(model));
        }

        // Framework calls first (counted generators, regex timeouts, allocation checks), on the tree as the
        // sandbox saw it; then the budget calls, on a model of the guarded tree.
        var guarded = FrameworkGuardRewriter.Rewrite(tree, model);
        if (guarded != tree)
        {
            model = model.Compilation.ReplaceSyntaxTree(tree, guarded).GetSemanticModel(guarded);
            tree = guarded;
        }

        var root = tree.GetRoot();
        var rewritten = new Rewriter(tree, model).Visit(root);
        return tree.WithRootAndOptions(rewritten, tree.Options);
    }

    private sealed class Rewriter(SyntaxTree tree, SemanticModel model) : CSharpSyntaxRewriter
    {
        private readonly INamedTypeSymbol? _expressionType = model.Compilation.GetTypeByMetadataName("System.Linq.Expressions.Expression");

        // Attribute arguments must stay constants and array creations: nothing to instrument there.
        public override SyntaxNode? VisitAttributeList(AttributeListSyntax node) => node;

        // --- loops and gotos: a tick per iteration or jump ---

        public override SyntaxNode? VisitWhileStatement(WhileStatementSyntax node)
        {
            var visited = (WhileStatementSyntax)base.VisitWhileStatement(node)!;
            return IsUser(node) ? visited.WithStatement(Prepend(visited.Statement, TickStatement)) : visited;
        }

        public override SyntaxNode? VisitDoStatement(DoStatementSyntax node)
        {
            var visited = (DoStatementSyntax)base.VisitDoStatement(node)!;
            return IsUser(node) ? visited.WithStatement(Prepend(visited.Statement, TickStatement)) : visited;
        }

        public override SyntaxNode? VisitForStatement(ForStatementSyntax node)
        {
            var visited = (ForStatementSyntax)base.VisitForStatement(node)!;
            return IsUser(node) ? visited.WithStatement(Prepend(visited.Statement, TickStatement)) : visited;
        }

        public override SyntaxNode? VisitForEachStatement(ForEachStatementSyntax node)
        {
            var visited = (ForEachStatementSyntax)base.VisitForEachStatement(node)!;
            return IsUser(node) ? visited.WithStatement(Prepend(visited.Statement, TickStatement)) : visited;
        }

        public override SyntaxNode? VisitForEachVariableStatement(ForEachVariableStatementSyntax node)
        {
            var visited = (ForEachVariableStatementSyntax)base.VisitForEachVariableStatement(node)!;
            return IsUser(node) ? visited.WithStatement(Prepend(visited.Statement, TickStatement)) : visited;
        }

        // goto, goto case and goto default: `{ Tick(); goto L; }` is valid wherever the goto was.
        public override SyntaxNode? VisitGotoStatement(GotoStatementSyntax node)
        {
            var visited = (GotoStatementSyntax)base.VisitGotoStatement(node)!;
            return IsUser(node) ? Prepend(visited, TickStatement) : visited;
        }

        // A query's where clause is a lambda the compiler writes: `where c` becomes `where Budget.EnterExpression() && (c)`,
        // so `from x in huge where x < 0 select x` is counted per element as `huge.Where(x => x < 0)` is.
        public override SyntaxNode? VisitWhereClause(WhereClauseSyntax node)
        {
            var visited = (WhereClauseSyntax)base.VisitWhereClause(node)!;
            if (!IsUser(node) || model.GetTypeInfo(node.Condition).Type?.SpecialType != SpecialType.System_Boolean
                || model.GetQueryClauseInfo(node).OperationInfo.Symbol is not IMethodSymbol { Parameters: [.., var predicate] } || IsExpressionTreeType(predicate.Type))
            {
                return visited;
            }

            var condition = BinaryExpression(
                SyntaxKind.LogicalAndExpression,
                EnterExpressionCall.WithTrailingTrivia(Space),
                Token(SyntaxKind.AmpersandAmpersandToken).WithTrailingTrivia(Space),
                ParenthesizedExpression(visited.Condition.WithoutTrivia()));
            return visited.WithCondition(condition.WithTriviaFrom(visited.Condition));
        }

        // --- catch clauses: the budget cannot be swallowed ---

        public override SyntaxNode? VisitCatchClause(CatchClauseSyntax node)
        {
            var visited = (CatchClauseSyntax)base.VisitCatchClause(node)!;
            if (!IsUser(node))
            {
                return visited;
            }

            if (visited.Filter is { } filter)
            {
                var condition = BinaryExpression(
                    SyntaxKind.LogicalAndExpression,
                    OkExpression.WithTrailingTrivia(Space),
                    Token(SyntaxKind.AmpersandAmpersandToken).WithTrailingTrivia(Space),
                    ParenthesizedExpression(filter.FilterExpression));
                return visited.WithFilter(filter.WithFilterExpression(condition));
            }

            // `catch (X e)` and `catch`: the filter goes after the last token, which hands it its trailing trivia.
            var last = visited.Declaration?.CloseParenToken ?? visited.CatchKeyword;
            var newFilter = CatchFilterClause(
                Token(SyntaxKind.WhenKeyword).WithLeadingTrivia(Space).WithTrailingTrivia(Space),
                Token(SyntaxKind.OpenParenToken),
                OkExpression,
                Token(SyntaxKind.CloseParenToken).WithTrailingTrivia(last.TrailingTrivia));
            visited = visited.Declaration is { } declaration
                ? visited.WithDeclaration(declaration.WithCloseParenToken(last.WithTrailingTrivia()))
                : visited.WithCatchKeyword(last.WithTrailingTrivia());
            return visited.WithFilter(newFilter);
        }

        // The .NET 10.0.12 JIT crashes the process (SIGSEGV in libclrjit) when it optimizes a method with a
        // try/finally where neither the try block nor the finally block can complete, such as
        // `try { while (true) { } } finally { while (true) { } }`: that IL has neither a leave to the finally
        // nor an endfinally. `finally { if (Budget.Ok | true) { ... } }` gives it an endfinally and still
        // always runs the block. The try statement's end stays unreachable (its try and catch blocks cannot
        // complete), so definite assignment and return checks after it do not change.
        public override SyntaxNode? VisitTryStatement(TryStatementSyntax node)
        {
            var visited = (TryStatementSyntax)base.VisitTryStatement(node)!;
            if (!IsUser(node) || node.Finally is not { } original || visited.Finally is not { } @finally
                || CanComplete(original.Block) || CanComplete(node.Block) || node.Catches.Any(c => CanComplete(c.Block)))
            {
                return visited;
            }

            var block = @finally.Block;
            var condition = BinaryExpression(
                SyntaxKind.BitwiseOrExpression,
                OkExpression.WithTrailingTrivia(Space),
                Token(SyntaxKind.BarToken).WithTrailingTrivia(Space),
                LiteralExpression(SyntaxKind.TrueLiteralExpression));
            var guarded = IfStatement(
                Token(SyntaxKind.IfKeyword).WithTrailingTrivia(Space),
                Token(SyntaxKind.OpenParenToken),
                condition,
                Token(SyntaxKind.CloseParenToken).WithTrailingTrivia(Space),
                block.WithOpenBraceToken(block.OpenBraceToken.WithLeadingTrivia()).WithCloseBraceToken(block.CloseBraceToken.WithTrailingTrivia()),
                null);
            var outer = Block(
                Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(block.OpenBraceToken.LeadingTrivia).WithTrailingTrivia(Space),
                SingletonList<StatementSyntax>(guarded),
                Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(Space).WithTrailingTrivia(block.CloseBraceToken.TrailingTrivia));
            return visited.WithFinally(@finally.WithBlock(outer));
        }

        // --- entries: methods, local functions, lambdas, accessors, constructors, operators ---

        public override SyntaxNode? VisitMethodDeclaration(MethodDeclarationSyntax node) =>
            Instrument(node, (BaseMethodDeclarationSyntax)base.VisitMethodDeclaration(node)!, ReturnsValue(model.GetDeclaredSymbol(node)));

        /// <summary>
        /// Methods, operators, conversions, constructors, finalizers: <c>Enter()</c> first; an expression
        /// body becomes a block (<paramref name="returns"/>: whether it returns a value; null when unknown,
        /// left as it is).
        /// </summary>
        private BaseMethodDeclarationSyntax Instrument(BaseMethodDeclarationSyntax node, BaseMethodDeclarationSyntax visited, bool? returns)
        {
            if (!IsUser(node))
            {
                return visited;
            }

            if (visited.Body is { } body)
            {
                return visited.WithBody(PrependToBlock(body, EnterStatement));
            }

            return visited.ExpressionBody is { } arrow && returns is { } value
                ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(BlockFromArrow(arrow, visited.SemicolonToken, value))
                : visited;
        }

        public override SyntaxNode? VisitLocalFunctionStatement(LocalFunctionStatementSyntax node)
        {
            var visited = (LocalFunctionStatementSyntax)base.VisitLocalFunctionStatement(node)!;
            if (!IsUser(node))
            {
                return visited;
            }

            if (visited.Body is { } body)
            {
                return visited.WithBody(PrependToBlock(body, EnterStatement));
            }

            return visited.ExpressionBody is { } arrow && ReturnsValue(model.GetDeclaredSymbol(node) as IMethodSymbol) is { } returns
                ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(BlockFromArrow(arrow, visited.SemicolonToken, returns))
                : visited;
        }

        public override SyntaxNode? VisitOperatorDeclaration(OperatorDeclarationSyntax node) =>
            Instrument(node, (BaseMethodDeclarationSyntax)base.VisitOperatorDeclaration(node)!, ReturnsValue(model.GetDeclaredSymbol(node)));

        public override SyntaxNode? VisitConversionOperatorDeclaration(ConversionOperatorDeclarationSyntax node) =>
            Instrument(node, (BaseMethodDeclarationSyntax)base.VisitConversionOperatorDeclaration(node)!, true);

        public override SyntaxNode? VisitConstructorDeclaration(ConstructorDeclarationSyntax node) =>
            Instrument(node, (BaseMethodDeclarationSyntax)base.VisitConstructorDeclaration(node)!, false);

        public override SyntaxNode? VisitDestructorDeclaration(DestructorDeclarationSyntax node) =>
            Instrument(node, (BaseMethodDeclarationSyntax)base.VisitDestructorDeclaration(node)!, false);

        // get, set, init, add, remove. Auto-accessors have no body and need nothing.
        public override SyntaxNode? VisitAccessorDeclaration(AccessorDeclarationSyntax node)
        {
            var visited = (AccessorDeclarationSyntax)base.VisitAccessorDeclaration(node)!;
            if (!IsUser(node))
            {
                return visited;
            }

            if (visited.Body is { } body)
            {
                return visited.WithBody(PrependToBlock(body, EnterStatement));
            }

            var returns = visited.IsKind(SyntaxKind.GetAccessorDeclaration);
            return visited.ExpressionBody is { } arrow
                ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(BlockFromArrow(arrow, visited.SemicolonToken, returns))
                : visited;
        }

        // `int P => e;` becomes `int P { get { Enter(); return e; } }`.
        public override SyntaxNode? VisitPropertyDeclaration(PropertyDeclarationSyntax node)
        {
            var visited = (PropertyDeclarationSyntax)base.VisitPropertyDeclaration(node)!;
            return IsUser(node) && visited.ExpressionBody is { } arrow
                ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithAccessorList(GetterFromArrow(arrow, visited.SemicolonToken))
                : visited;
        }

        public override SyntaxNode? VisitIndexerDeclaration(IndexerDeclarationSyntax node)
        {
            var visited = (IndexerDeclarationSyntax)base.VisitIndexerDeclaration(node)!;
            return IsUser(node) && visited.ExpressionBody is { } arrow
                ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithAccessorList(GetterFromArrow(arrow, visited.SemicolonToken))
                : visited;
        }

        public override SyntaxNode? VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node) =>
            IsExpressionTree(node) ? node : InstrumentLambda(node, (LambdaExpressionSyntax)base.VisitParenthesizedLambdaExpression(node)!);

        public override SyntaxNode? VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node) =>
            IsExpressionTree(node) ? node : InstrumentLambda(node, (LambdaExpressionSyntax)base.VisitSimpleLambdaExpression(node)!);

        public override SyntaxNode? VisitAnonymousMethodExpression(AnonymousMethodExpressionSyntax node)
        {
            if (IsExpressionTree(node))
            {
                return node;
            }

            var visited = (AnonymousMethodExpressionSyntax)base.VisitAnonymousMethodExpression(node)!;
            return IsUser(node) ? visited.WithBlock(PrependToBlock(visited.Block, EnterStatement)) : visited;
        }

        // --- initializers: they run before a constructor's body ---

        // `: this(args)` and `: base(args)` run their arguments before the body's Enter: a recursion through
        // them (`: this(new A(n + 1).Name)`) would never reach it.
        public override SyntaxNode? VisitConstructorInitializer(ConstructorInitializerSyntax node)
        {
            var visited = (ConstructorInitializerSyntax)base.VisitConstructorInitializer(node)!;
            return IsUser(node) ? visited.WithArgumentList(EnterBeforeArguments(node.ArgumentList, visited.ArgumentList)) : visited;
        }

        // `class A(int n) : B(args)`, the primary constructor's base call.
        public override SyntaxNode? VisitPrimaryConstructorBaseType(PrimaryConstructorBaseTypeSyntax node)
        {
            var visited = (PrimaryConstructorBaseTypeSyntax)base.VisitPrimaryConstructorBaseType(node)!;
            return IsUser(node) ? visited.WithArgumentList(EnterBeforeArguments(node.ArgumentList, visited.ArgumentList)) : visited;
        }

        // Instance field initializers run before the constructor's body too (`Node next = new Node();`): a
        // first field whose initializer enters runs before them.
        public override SyntaxNode? VisitClassDeclaration(ClassDeclarationSyntax node) =>
            EnterBeforeFieldInitializers(node, (TypeDeclarationSyntax)base.VisitClassDeclaration(node)!);

        public override SyntaxNode? VisitStructDeclaration(StructDeclarationSyntax node) =>
            EnterBeforeFieldInitializers(node, (TypeDeclarationSyntax)base.VisitStructDeclaration(node)!);

        public override SyntaxNode? VisitRecordDeclaration(RecordDeclarationSyntax node) =>
            EnterBeforeFieldInitializers(node, (TypeDeclarationSyntax)base.VisitRecordDeclaration(node)!);

        // --- arrays: the size is checked before the allocation ---

        public override SyntaxNode? VisitArrayCreationExpression(ArrayCreationExpressionSyntax node)
        {
            var visited = (ArrayCreationExpressionSyntax)base.VisitArrayCreationExpression(node)!;

            // With an initializer, the sizes are constants that match it: its length is in the source.
            var sizes = node.Type.RankSpecifiers[0].Sizes;
            if (!IsUser(node) || node.Initializer is not null || sizes.Any(s => s.IsKind(SyntaxKind.OmittedArraySizeExpression)))
            {
                return visited;
            }

            var types = sizes.Select(s => model.GetTypeInfo(s)).ToArray();
            if (types.Any(t => LengthKeyword(t.ConvertedType) is null))
            {
                return visited;
            }

            // The element type is the written type minus the first rank: `new int[n][]` makes int[] elements.
            var type = visited.Type;
            var elementType = type.RankSpecifiers.Count == 1 ? type.ElementType : type.WithRankSpecifiers(List(type.RankSpecifiers.Skip(1)));
            var typeArguments = TypeArgumentList(SingletonSeparatedList(elementType.WithoutTrivia()));
            var visitedSizes = type.RankSpecifiers[0].Sizes;

            if (sizes.Count == 1)
            {
                var length = InvocationExpression(
                    MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, BudgetType, GenericName(Identifier(nameof(Budget.Length)), typeArguments)),
                    ArgumentList(SingletonSeparatedList(Argument(Converted(visitedSizes[0], types[0], types[0].ConvertedType!)))));
                var rank = type.RankSpecifiers[0];
                return visited.WithType(type.WithRankSpecifiers(type.RankSpecifiers.Replace(rank, rank.WithSizes(SingletonSeparatedList<ExpressionSyntax>(length)))));
            }

            // new T[a, b] becomes ((T[,])Budget.NewArray<T>(a, b)), with ulong and nuint lengths passed as
            // long: a length that does not fit turns negative and throws OverflowException, as the runtime does.
            var arguments = visitedSizes.Select((size, i) => Argument(LongLength(size, types[i])));
            var call = InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, BudgetType, GenericName(Identifier(nameof(Budget.NewArray)), typeArguments)),
                ArgumentList(SeparatedList(arguments, visitedSizes.GetSeparators())));
            var omitted = ArrayRankSpecifier(SeparatedList<ExpressionSyntax>(sizes.Select(_ => OmittedArraySizeExpression())));
            var arrayType = type.WithRankSpecifiers(type.RankSpecifiers.Replace(type.RankSpecifiers[0], omitted)).WithoutTrivia();
            return ParenthesizedExpression(CastExpression(arrayType, call))
                .WithLeadingTrivia(visited.GetLeadingTrivia())
                .WithTrailingTrivia(visited.GetTrailingTrivia());
        }

        // --- helpers ---

        private bool IsUser(SyntaxNode original) => tree.GetLineVisibility(original.SpanStart) != LineVisibility.Hidden;

        private bool CanComplete(BlockSyntax original) => model.AnalyzeControlFlow(original) is not { Succeeded: true, EndPointIsReachable: false };

        private bool IsExpressionTree(AnonymousFunctionExpressionSyntax original) => IsExpressionTreeType(model.GetTypeInfo(original).ConvertedType);

        private bool IsExpressionTreeType(ITypeSymbol? type)
        {
            for (; type is not null; type = type.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, _expressionType))
                {
                    return true;
                }
            }

            return false;
        }

        private LambdaExpressionSyntax InstrumentLambda(LambdaExpressionSyntax original, LambdaExpressionSyntax visited)
        {
            if (!IsUser(original))
            {
                return visited;
            }

            if (visited.Block is { } block)
            {
                return visited.WithBlock(PrependToBlock(block, EnterStatement));
            }

            // The lambda's symbol tells what the delegate it was converted to returns: `x => list.Add(x)` may
            // be an Action, whose block must not return.
            if (visited.ExpressionBody is not { } expression || ReturnsValue(model.GetSymbolInfo(original).Symbol as IMethodSymbol) is not { } returns)
            {
                return visited;
            }

            var statement = StatementFromExpression(expression.WithoutTrailingTrivia(), returns, Token(SyntaxKind.SemicolonToken));
            var newBlock = Block(
                Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(Space),
                List([EnterStatement.WithTrailingTrivia(Space), statement]),
                Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(Space).WithTrailingTrivia(expression.GetTrailingTrivia()));
            return visited.WithExpressionBody(null).WithBlock(newBlock);
        }

        // Null when unknown (the member is then left as it is).
        private static bool? ReturnsValue(IMethodSymbol? method)
        {
            if (method is null)
            {
                return null;
            }

            if (method.ReturnsVoid)
            {
                return false;
            }

            // async Task and async ValueTask have nothing to return; async Task<T> has.
            return !method.IsAsync || method.ReturnType is INamedTypeSymbol { IsGenericType: true };
        }

        // `=> e;` (the arrow and the member's semicolon) as `{ Enter(); return e; }`, keeping every trivia in order.
        private static BlockSyntax BlockFromArrow(ArrowExpressionClauseSyntax arrow, SyntaxToken semicolon, bool returns)
        {
            // The arrow's trailing trivia (a space, or the end of its line) separates Enter from the statement.
            var statement = StatementFromExpression(arrow.Expression, returns, Token(semicolon.LeadingTrivia, SyntaxKind.SemicolonToken, default));
            var separator = arrow.ArrowToken.TrailingTrivia.Count > 0 ? arrow.ArrowToken.TrailingTrivia : TriviaList(Space);
            return Block(
                Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(arrow.ArrowToken.LeadingTrivia).WithTrailingTrivia(Space),
                List([EnterStatement.WithTrailingTrivia(separator), statement]),
                Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(Space).WithTrailingTrivia(semicolon.TrailingTrivia));
        }

        private static AccessorListSyntax GetterFromArrow(ArrowExpressionClauseSyntax arrow, SyntaxToken semicolon)
        {
            var block = BlockFromArrow(arrow, semicolon, returns: true);
            var getter = AccessorDeclaration(SyntaxKind.GetAccessorDeclaration)
                .WithKeyword(Token(SyntaxKind.GetKeyword).WithTrailingTrivia(Space))
                .WithBody(block.WithOpenBraceToken(block.OpenBraceToken.WithLeadingTrivia()).WithCloseBraceToken(block.CloseBraceToken.WithTrailingTrivia()));
            return AccessorList(
                Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(block.OpenBraceToken.LeadingTrivia).WithTrailingTrivia(Space),
                SingletonList(getter),
                Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(Space).WithTrailingTrivia(block.CloseBraceToken.TrailingTrivia));
        }

        private static StatementSyntax StatementFromExpression(ExpressionSyntax expression, bool returns, SyntaxToken semicolon)
        {
            // `=> throw e` has no value to return: it becomes a throw statement.
            if (expression is ThrowExpressionSyntax thrown)
            {
                return ThrowStatement(default, thrown.ThrowKeyword, thrown.Expression, semicolon);
            }

            if (!returns)
            {
                return ExpressionStatement(default, expression, semicolon);
            }

            // `return ref x;` is a return of the ref expression.
            var keyword = Token(SyntaxKind.ReturnKeyword);
            keyword = expression.GetLeadingTrivia().Any(t => t.IsKind(SyntaxKind.WhitespaceTrivia) || t.IsKind(SyntaxKind.EndOfLineTrivia))
                ? keyword
                : keyword.WithTrailingTrivia(Space);
            return ReturnStatement(default, keyword, expression, semicolon);
        }

        // `{ ...` becomes `{ Enter(); ...` on the brace's line: the brace's trailing trivia moves after the
        // inserted statement, so a directive on the next line stays first on its line.
        private static BlockSyntax PrependToBlock(BlockSyntax block, StatementSyntax first)
        {
            var open = block.OpenBraceToken;
            return block
                .WithOpenBraceToken(open.WithTrailingTrivia(Space))
                .WithStatements(block.Statements.Insert(0, first.WithTrailingTrivia(open.TrailingTrivia)));
        }

        // A block gets the statement inside it; any other statement becomes `{ first; statement }`, on its lines.
        private static BlockSyntax Prepend(StatementSyntax statement, StatementSyntax first)
        {
            if (statement is BlockSyntax block)
            {
                return PrependToBlock(block, first);
            }

            return Block(
                Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(statement.GetLeadingTrivia()).WithTrailingTrivia(Space),
                List([first.WithTrailingTrivia(Space), statement.WithoutLeadingTrivia().WithoutTrailingTrivia()]),
                Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(Space).WithTrailingTrivia(statement.GetTrailingTrivia()));
        }

        // The first argument without ref/out becomes `(Budget.EnterExpression() ? (arg) : default(T)!)`, T its
        // converted type, so the conditional has the argument's type and overload resolution does not change.
        private ArgumentListSyntax EnterBeforeArguments(ArgumentListSyntax original, ArgumentListSyntax visited)
        {
            for (var i = 0; i < original.Arguments.Count; i++)
            {
                if (!original.Arguments[i].RefKindKeyword.IsKind(SyntaxKind.None))
                {
                    continue;
                }

                var type = model.GetTypeInfo(original.Arguments[i].Expression).ConvertedType;
                if (type is null or IErrorTypeSymbol || type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer || type.IsAnonymousType)
                {
                    return visited;
                }

                var argument = visited.Arguments[i];
                var expression = argument.Expression;
                var typeSyntax = ParseTypeName(type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
                var conditional = ParenthesizedExpression(ConditionalExpression(
                    EnterExpressionCall.WithTrailingTrivia(Space),
                    Token(SyntaxKind.QuestionToken).WithTrailingTrivia(Space),
                    ParenthesizedExpression(expression.WithoutTrivia()).WithTrailingTrivia(Space),
                    Token(SyntaxKind.ColonToken).WithTrailingTrivia(Space),
                    PostfixUnaryExpression(SyntaxKind.SuppressNullableWarningExpression, DefaultExpression(typeSyntax))));
                return visited.WithArguments(visited.Arguments.Replace(
                    argument,
                    argument.WithExpression(conditional.WithLeadingTrivia(expression.GetLeadingTrivia()).WithTrailingTrivia(expression.GetTrailingTrivia()))));
            }

            return visited;
        }

        private TypeDeclarationSyntax EnterBeforeFieldInitializers(TypeDeclarationSyntax original, TypeDeclarationSyntax visited)
        {
            if (!IsUser(original) || !original.Members.Any(HasInstanceInitializer) || HasLayoutAttribute(original) || visited.OpenBraceToken.IsKind(SyntaxKind.None))
            {
                return visited;
            }

            // One field per declaration (partial parts each get their own, named after their position).
            var open = visited.OpenBraceToken;
            var field = FieldDeclaration(
                    List<AttributeListSyntax>(),
                    TokenList(Token(SyntaxKind.PrivateKeyword).WithTrailingTrivia(Space), Token(SyntaxKind.ReadOnlyKeyword).WithTrailingTrivia(Space)),
                    VariableDeclaration(
                        PredefinedType(Token(SyntaxKind.BoolKeyword)).WithTrailingTrivia(Space),
                        SingletonSeparatedList(VariableDeclarator(
                            Identifier("__budgetEnter" + original.SpanStart.ToString(System.Globalization.CultureInfo.InvariantCulture)).WithTrailingTrivia(Space),
                            null,
                            EqualsValueClause(Token(SyntaxKind.EqualsToken).WithTrailingTrivia(Space), EnterExpressionCall)))),
                    Token(SyntaxKind.SemicolonToken))
                .WithTrailingTrivia(open.TrailingTrivia);
            return visited.WithOpenBraceToken(open.WithTrailingTrivia(Space)).WithMembers(visited.Members.Insert(0, field));
        }

        private static bool HasInstanceInitializer(MemberDeclarationSyntax member) => member switch
        {
            BaseFieldDeclarationSyntax field => !IsStaticOrConst(field.Modifiers) && field.Declaration.Variables.Any(v => v.Initializer is not null),
            PropertyDeclarationSyntax property => !IsStaticOrConst(property.Modifiers) && property.Initializer is not null,
            _ => false,
        };

        private static bool IsStaticOrConst(SyntaxTokenList modifiers) =>
            modifiers.Any(SyntaxKind.StaticKeyword) || modifiers.Any(SyntaxKind.ConstKeyword);

        // An explicit layout needs an offset on every field, and an inline array has exactly one field.
        private static bool HasLayoutAttribute(TypeDeclarationSyntax type) =>
            type.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString() is var name
                && (name.EndsWith("StructLayout", StringComparison.Ordinal) || name.EndsWith("StructLayoutAttribute", StringComparison.Ordinal)
                    || name.EndsWith("InlineArray", StringComparison.Ordinal) || name.EndsWith("InlineArrayAttribute", StringComparison.Ordinal)));

        private static string? LengthKeyword(ITypeSymbol? type) => type?.SpecialType switch
        {
            SpecialType.System_Int32 => "int",
            SpecialType.System_UInt32 => "uint",
            SpecialType.System_Int64 => "long",
            SpecialType.System_UInt64 => "ulong",
            SpecialType.System_IntPtr => "nint",
            SpecialType.System_UIntPtr => "nuint",
            _ => null,
        };

        // The size as the type the compiler converts it to, so the Length overload is the array's own.
        private static ExpressionSyntax Converted(ExpressionSyntax size, TypeInfo info, ITypeSymbol target) =>
            SymbolEqualityComparer.Default.Equals(info.Type, target)
                ? size
                : CastExpression(ParseTypeName(LengthKeyword(target)!), ParenthesizedExpression(size.WithoutTrivia()))
                    .WithLeadingTrivia(size.GetLeadingTrivia()).WithTrailingTrivia(size.GetTrailingTrivia());

        private static ExpressionSyntax LongLength(ExpressionSyntax size, TypeInfo info)
        {
            var target = info.ConvertedType!;
            if (target.SpecialType is not (SpecialType.System_UInt64 or SpecialType.System_UIntPtr))
            {
                return Converted(size, info, target);
            }

            var cast = CastExpression(PredefinedType(Token(SyntaxKind.LongKeyword)), ParenthesizedExpression(Converted(size.WithoutTrivia(), info, target)));
            return CheckedExpression(SyntaxKind.UncheckedExpression, cast)
                .WithLeadingTrivia(size.GetLeadingTrivia()).WithTrailingTrivia(size.GetTrailingTrivia());
        }
    }
}
