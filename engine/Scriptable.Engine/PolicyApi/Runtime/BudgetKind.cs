using System.ComponentModel;

namespace Scriptable.Policies.Runtime;

/// <summary>Which part of a policy's per-query budget was spent.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum BudgetKind
{
    /// <summary>Wall-clock time since the invocation began.</summary>
    Time,

    /// <summary>Stack used since the invocation began (recursion depth).</summary>
    Stack,

    /// <summary>Bytes allocated by the thread since the invocation began.</summary>
    Memory,

    /// <summary>Policy code ran outside any budget scope (a host bug): it is stopped at its first check.</summary>
    Unscoped,
}
