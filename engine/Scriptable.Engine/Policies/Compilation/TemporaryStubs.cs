using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Scriptable.Engine.Policies.Compilation
{

// Stand-ins until the sandbox and budget branches merge.
internal static class BudgetRewriter
{
    public static SyntaxTree Rewrite(SyntaxTree tree, SemanticModel model) => model is null ? tree : tree;
}
}

#pragma warning disable SA1402, CA1032, CA1064, CA1822
namespace Scriptable.Policies.Runtime
{
    internal readonly record struct BudgetLimits(TimeSpan Time, int StackBytes, long AllocationBytes);

    internal enum BudgetKind { Time, Stack, Memory }

    internal sealed class BudgetExceededException(BudgetKind kind, string message) : Exception(message)
    {
        public BudgetKind Kind { get; } = kind;
    }

    internal static class Budget
    {
        public static BudgetScope Begin(in BudgetLimits limits) => new(limits.Time);
    }

    internal readonly struct BudgetScope(TimeSpan time) : IDisposable
    {
        public void Dispose() { _ = time; }
    }
}
