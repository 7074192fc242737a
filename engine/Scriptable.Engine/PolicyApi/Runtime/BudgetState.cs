namespace Scriptable.Policies.Runtime;

/// <summary>
/// The cold part of one thread's budget (the hot countdown and stack probe are separate thread statics in
/// <see cref="Budget"/>). A <see cref="BudgetScope"/> saves the previous state and puts it back.
/// </summary>
internal struct BudgetState
{
    /// <summary>True between <see cref="Budget.Begin(in BudgetLimits)"/> and the scope's <see cref="BudgetScope.Dispose"/>.</summary>
    public bool Active;

    /// <summary>True once a limit was hit: <see cref="Budget.Ok"/> is false and every Tick/Enter throws.</summary>
    public bool Exceeded;

    /// <summary>The kind that was exceeded first.</summary>
    public BudgetKind ExceededKind;

    /// <summary>The limits of the invocation, for the checks and the message.</summary>
    public BudgetLimits Limits;

    /// <summary>Stopwatch timestamp after which the invocation is out of time.</summary>
    public long Deadline;

    /// <summary>Stopwatch timestamp of the last clock check.</summary>
    public long LastCheck;

    /// <summary>Stopwatch ticks that one check interval may take before checks get more frequent.</summary>
    public long Slice;

    /// <summary>Ticks between two clock checks; shrinks when ticks are slow (see <see cref="Budget.CheckInterval"/>).</summary>
    public int Interval;

    /// <summary><see cref="GC.GetAllocatedBytesForCurrentThread"/> at <see cref="Budget.Begin(in BudgetLimits)"/>.</summary>
    public long AllocatedAtStart;

    /// <summary>Address of a local in <see cref="Budget.Begin(in BudgetLimits)"/>: the top of the policy's stack.</summary>
    public nuint StackBase;

    /// <summary>Lowest address the policy's frames may use (the stack grows down).</summary>
    public nuint StackLimit;
}
