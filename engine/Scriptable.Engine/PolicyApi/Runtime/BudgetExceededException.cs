using System.ComponentModel;
using System.Globalization;

namespace Scriptable.Policies.Runtime;

/// <summary>
/// Thrown out of policy code whose invocation spent its time, stack or memory budget. Policy code cannot
/// catch it: the budget rewriter guards every catch clause with <see cref="Budget.Ok"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class BudgetExceededException : Exception
{
    /// <summary>Creates an exception for a spent time budget, with a generic message.</summary>
    public BudgetExceededException()
        : this("Policy exceeded its budget.")
    {
    }

    /// <summary>Creates an exception for a spent time budget, with a message.</summary>
    public BudgetExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception for a spent time budget, with a message and a cause.</summary>
    public BudgetExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a spent budget of a kind, with a message.</summary>
    public BudgetExceededException(BudgetKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    /// <summary>Which budget was spent.</summary>
    public BudgetKind Kind { get; }

    internal static BudgetExceededException Create(BudgetKind kind, in BudgetLimits limits, string? detail)
    {
        if (kind == BudgetKind.Unscoped)
        {
            return new BudgetExceededException(kind, "Policy code ran outside a budget scope and was stopped.");
        }

        var limit = kind switch
        {
            BudgetKind.Time => FormatTime(limits.Time),
            BudgetKind.Stack => FormatBytes(limits.MaxStackBytes),
            _ => FormatBytes(limits.MaxAllocatedBytes),
        };
        var name = kind switch
        {
            BudgetKind.Time => "time",
            BudgetKind.Stack => "stack",
            _ => "memory",
        };
        var message = detail is null
            ? $"Policy exceeded its {name} budget of {limit}."
            : $"Policy exceeded its {name} budget of {limit} ({detail}).";
        return new BudgetExceededException(kind, message);
    }

    internal static string FormatTime(TimeSpan time)
    {
        var ms = time.TotalMilliseconds;
        return ms.ToString(ms >= 1 ? "0.###" : "0.######", CultureInfo.InvariantCulture) + " ms";
    }

    internal static string FormatBytes(ulong bytes) => bytes switch
    {
        >= 1UL << 30 when bytes % (1UL << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1UL << 30 => (bytes / (double)(1UL << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB",
        >= 1UL << 20 when bytes % (1UL << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1UL << 20 => (bytes / (double)(1UL << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        >= 1UL << 10 when bytes % (1UL << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} bytes",
    };

    private static string FormatBytes(long bytes) => FormatBytes((ulong)bytes);
}
