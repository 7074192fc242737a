namespace Scriptable.Policies.Runtime;

/// <summary>
/// One policy invocation's budget, from <see cref="Budget.Begin(in BudgetLimits)"/> to <see cref="Dispose"/>.
/// Dispose it on the thread that began it, in reverse order of nesting (a <c>using</c> declaration does
/// both); disposing twice, or a scope that is not the innermost, does nothing.
/// </summary>
internal readonly ref struct BudgetScope
{
    private readonly int _depth;

    internal BudgetScope(int depth) => _depth = depth;

    /// <summary>Ends the invocation and puts back the budget that was running before it, if any.</summary>
    public void Dispose() => Budget.End(_depth);
}
