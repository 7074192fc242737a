namespace Scriptable.Policies.Runtime;

/// <summary>
/// The budget of one policy invocation. A property left unset, or <c>default(BudgetLimits)</c>, means its
/// default; setting zero or a negative value throws.
/// </summary>
internal readonly record struct BudgetLimits
{
    /// <summary>Default wall-clock time of one invocation: 10 ms.</summary>
    public static readonly TimeSpan DefaultTime = TimeSpan.FromMilliseconds(10);

    /// <summary>Default stack one invocation may use: 256 KiB (thousands of ordinary frames).</summary>
    public const int DefaultMaxStackBytes = 256 * 1024;

    /// <summary>Default bytes one invocation may allocate: 16 MiB.</summary>
    public const long DefaultMaxAllocatedBytes = 16 * 1024 * 1024;

    private readonly TimeSpan _time;
    private readonly int _maxStackBytes;
    private readonly long _maxAllocatedBytes;
    private readonly TimeSpan _matchTimeout;

    /// <summary>The limits with every default.</summary>
    public static BudgetLimits Default => default;

    /// <summary>Wall-clock time from <see cref="Budget.Begin(in BudgetLimits)"/>; a GC pause or a descheduled thread counts.</summary>
    public TimeSpan Time
    {
        get => _time > TimeSpan.Zero ? _time : DefaultTime;
        init => _time = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The time budget must be positive.");
    }

    /// <summary>Bytes of stack below the frame that called <see cref="Budget.Begin(in BudgetLimits)"/>.</summary>
    public int MaxStackBytes
    {
        get => _maxStackBytes > 0 ? _maxStackBytes : DefaultMaxStackBytes;
        init => _maxStackBytes = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The stack budget must be positive.");
    }

    /// <summary>
    /// The longest one regular-expression match may run under this budget; unset, <see cref="Time"/>. A scope
    /// that loads a policy sets the per-query time here, so a regex built when the policy loads gets the
    /// timeout of a query, not the longer load budget.
    /// </summary>
    public TimeSpan MatchTimeout
    {
        get => _matchTimeout > TimeSpan.Zero ? _matchTimeout : Time;
        init => _matchTimeout = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The match timeout must be positive.");
    }

    /// <summary>Bytes the thread may allocate, garbage included (<see cref="GC.GetAllocatedBytesForCurrentThread"/>).</summary>
    public long MaxAllocatedBytes
    {
        get => _maxAllocatedBytes > 0 ? _maxAllocatedBytes : DefaultMaxAllocatedBytes;
        init => _maxAllocatedBytes = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The memory budget must be positive.");
    }
}
