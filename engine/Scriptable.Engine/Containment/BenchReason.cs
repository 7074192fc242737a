namespace Scriptable.Engine.Containment;

/// <summary>Why a policy version is benched (its names answer the fallback without running it for a while).</summary>
internal enum BenchReason
{
    /// <summary>Not benched.</summary>
    None,

    /// <summary>A run was stopped for running out of time.</summary>
    Time,

    /// <summary>A run was stopped for using too much stack.</summary>
    Stack,

    /// <summary>A run was stopped for allocating too much memory.</summary>
    Memory,

    /// <summary>A run was stopped by a budget of another kind.</summary>
    Budget,

    /// <summary>The policy used more than its share of the receive loops' time (seen by the watchdog).</summary>
    Cpu,

    /// <summary>A run stayed in the policy far past its time budget (framework code the budget cannot stop).</summary>
    Stuck,
}

/// <summary>Text for <see cref="BenchReason"/>.</summary>
internal static class BenchReasons
{
    /// <summary>The lowercase name used in metrics tags and status (<c>time</c>, <c>stack</c>, ...).</summary>
    public static string Tag(BenchReason reason) => reason switch
    {
        BenchReason.Time => "time",
        BenchReason.Stack => "stack",
        BenchReason.Memory => "memory",
        BenchReason.Budget => "budget",
        BenchReason.Cpu => "cpu",
        BenchReason.Stuck => "stuck",
        _ => "none",
    };

    /// <summary>What happened, as the end of a sentence: "after running out of time".</summary>
    public static string Describe(BenchReason reason) => reason switch
    {
        BenchReason.Time => "after running out of time",
        BenchReason.Stack => "after running out of stack",
        BenchReason.Memory => "after allocating more than its memory budget",
        BenchReason.Budget => "after exceeding its budget",
        BenchReason.Cpu => "for using more than its share of the receive loops' time",
        BenchReason.Stuck => "after a query stayed stuck in it far past its time budget",
        _ => "",
    };

    /// <summary>The bench reason of a budget stop.</summary>
    public static BenchReason Of(Scriptable.Policies.Runtime.BudgetKind kind) => kind switch
    {
        Scriptable.Policies.Runtime.BudgetKind.Stack => BenchReason.Stack,
        Scriptable.Policies.Runtime.BudgetKind.Time => BenchReason.Time,
        Scriptable.Policies.Runtime.BudgetKind.Memory => BenchReason.Memory,
        _ => BenchReason.Budget,
    };
}
