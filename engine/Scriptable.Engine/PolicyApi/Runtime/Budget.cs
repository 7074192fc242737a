using System.ComponentModel;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Scriptable.Policies.Runtime;

/// <summary>
/// The per-invocation time, stack and memory budget of policy code. The budget rewriter inserts calls to
/// these members into every policy; policy authors never call them (see README.md).
/// </summary>
/// <remarks>
/// All state is thread-static: each receive thread runs its own invocation. Outside a scope opened by
/// <see cref="Begin(in BudgetLimits)"/>, the first <see cref="Tick"/> or <see cref="Enter"/> throws: policy code
/// that a host runs without a budget fails at once instead of running unchecked (see README.md).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Budget
{
    /// <summary>
    /// Most ticks between two reads of the clock and of the allocation counter. A tick costs under a
    /// nanosecond and the two reads about 30 ns, so the checks add under 0.05 ns per tick, and a tight loop
    /// is checked every few microseconds. A stop comes at most this many loop iterations late.
    /// </summary>
    internal const int CheckInterval = 1024;

    /// <summary>
    /// Ticks before the first check of an invocation: a policy that loops less pays no clock read at all,
    /// and one whose iterations are slow from the start is checked 4 times sooner than after 1,024.
    /// </summary>
    internal const int FirstCheckInterval = 256;

    /// <summary>
    /// Stack growth between two calls to <see cref="RuntimeHelpers.TryEnsureSufficientExecutionStack"/>,
    /// which fails while a comfortable margin (tens of KiB, "enough for the average function") is still
    /// left: probing every 16 KiB of new depth stays inside it.
    /// </summary>
    internal const int StackProbeBytes = 16 * 1024;

    /// <summary>
    /// Arrays up to this size skip the exact allocation check: the periodic check counts them.
    /// </summary>
    internal const ulong SmallArrayBytes = 8 * 1024;

    // The hot path reads and writes only these two. Outside a scope the countdown is 0 (also on a thread
    // that never began one), so the first Tick or Enter takes the slow path, which throws; the probe is 0.
    [ThreadStatic]
    private static int t_countdown;

    [ThreadStatic]
    private static nuint t_stackProbe;

    [ThreadStatic]
    private static BudgetState t_state;

    // Scopes open on this thread, and the budgets that nested ones interrupted.
    [ThreadStatic]
    private static int t_depth;

    [ThreadStatic]
    private static SavedBudget[]? t_saved;

    /// <summary>
    /// False once the running invocation has exceeded its budget, and outside any budget scope; catch filters
    /// test it, so policy code can catch neither a stop nor the failure of running unbudgeted.
    /// </summary>
    public static bool Ok => t_state.Active && !t_state.Exceeded;

    /// <summary>Counts one step of policy code (a loop iteration, a goto) and checks the budget now and then.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tick()
    {
        if (--t_countdown < 0)
        {
            OnCountdown();
        }
    }

    /// <summary>Counts one call into policy code and checks the stack it has used.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Enter()
    {
        // A local's address is the stack pointer of the calling frame, to within a few bytes: the stack
        // used is measured, not estimated, and nothing has to be undone when the method returns.
        byte marker = 0;
        var sp = AddressOf(ref marker);
        if ((--t_countdown < 0) | (sp < t_stackProbe))
        {
            OnEnter(sp);
        }
    }

    /// <summary><see cref="Enter"/> where only an expression fits (field and constructor initializers, query <c>where</c> clauses); returns true.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool EnterExpression()
    {
        Enter();
        return true;
    }

    /// <summary>Returns the length of an array of <typeparamref name="T"/> about to be created, after checking its size against the memory budget.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Length<T>(int length)
    {
        if (length > 0)
        {
            CheckArray((ulong)length, Unsafe.SizeOf<T>());
        }

        return length;
    }

    /// <summary>Returns the length of an array of <typeparamref name="T"/> about to be created, after checking its size against the memory budget.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Length<T>(uint length)
    {
        CheckArray(length, Unsafe.SizeOf<T>());
        return length;
    }

    /// <summary>Returns the length of an array of <typeparamref name="T"/> about to be created, after checking its size against the memory budget.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Length<T>(long length)
    {
        if (length > 0)
        {
            CheckArray((ulong)length, Unsafe.SizeOf<T>());
        }

        return length;
    }

    /// <summary>Returns the length of an array of <typeparamref name="T"/> about to be created, after checking its size against the memory budget.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Length<T>(ulong length)
    {
        CheckArray(length, Unsafe.SizeOf<T>());
        return length;
    }

    /// <summary>Returns the length of an array of <typeparamref name="T"/> about to be created, after checking its size against the memory budget.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint Length<T>(nint length)
    {
        if (length > 0)
        {
            CheckArray((ulong)length, Unsafe.SizeOf<T>());
        }

        return length;
    }

    /// <summary>Returns the length of an array of <typeparamref name="T"/> about to be created, after checking its size against the memory budget.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint Length<T>(nuint length)
    {
        CheckArray(length, Unsafe.SizeOf<T>());
        return length;
    }

    /// <summary>Creates a multi-dimensional array of <typeparamref name="T"/> after checking its size against the memory budget.</summary>
    /// <exception cref="OverflowException">A length is negative, as for <c>new T[a, b]</c>.</exception>
    public static Array NewArray<T>(params long[] lengths)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ulong elements = 1;
        var overflow = false;
        foreach (var length in lengths)
        {
            if (length < 0)
            {
                throw new OverflowException("Arithmetic operation resulted in an overflow.");
            }

            overflow |= Math.BigMul(elements, (ulong)length, out elements) != 0;
        }

        CheckArray(overflow ? ulong.MaxValue : elements, Unsafe.SizeOf<T>());
        return Array.CreateInstance(typeof(T), lengths);
    }

    /// <summary>
    /// The longest one regular-expression match may run: the running invocation's
    /// <see cref="BudgetLimits.MatchTimeout"/>, or the default time budget outside a scope.
    /// </summary>
    internal static TimeSpan MatchTimeoutLimit => t_state.Active ? t_state.Limits.MatchTimeout : BudgetLimits.DefaultTime;

    /// <summary>
    /// Checks, before framework code allocates them, that <paramref name="bytes"/> fit in what is left of the
    /// memory budget (<paramref name="what"/> names the allocation in the message). Sizes up to
    /// <see cref="SmallArrayBytes"/> are left to the periodic check.
    /// </summary>
    internal static void CheckAllocation(ulong bytes, string what)
    {
        if (bytes > SmallArrayBytes)
        {
            OnLargeAllocation(bytes, what);
        }
    }

    /// <summary>
    /// Checks the time and what the thread really allocated since the scope began against the budget, now:
    /// after framework code handed back a large result, whose work and allocation no tick saw.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void CheckNow()
    {
        ref var state = ref t_state;
        if (!state.Active)
        {
            return;
        }

        if (state.Exceeded)
        {
            ThrowAgain(ref state);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - state.AllocatedAtStart;
        if (allocated > state.Limits.MaxAllocatedBytes)
        {
            ThrowExceeded(ref state, BudgetKind.Memory, BudgetExceededException.FormatBytes((ulong)allocated) + " allocated");
        }

        if (Stopwatch.GetTimestamp() > state.Deadline)
        {
            ThrowExceeded(ref state, BudgetKind.Time, null);
        }
    }

    /// <summary>
    /// Starts an invocation on this thread with a fresh budget. Dispose the scope on this thread when the
    /// invocation ends; it puts back the budget that was running before (scopes nest).
    /// </summary>
    internal static BudgetScope Begin(in BudgetLimits limits) => Begin(limits, Stopwatch.GetTimestamp());

    /// <summary>
    /// <see cref="Begin(in BudgetLimits)"/> with the invocation's start as a <see cref="Stopwatch.GetTimestamp"/>
    /// the host already read (the query's receive time), which saves a clock read per query.
    /// </summary>
    internal static BudgetScope Begin(in BudgetLimits limits, long startTimestamp)
    {
        byte marker = 0;
        var top = AddressOf(ref marker);
        var depth = t_depth;
        if (depth > 0)
        {
            Save(depth);
        }

        var budgetTicks = (long)Math.Min(limits.Time.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 4);
        var maxStack = (nuint)limits.MaxStackBytes;
        var stackLimit = top > maxStack ? top - maxStack : 0;

        // Field by field into the thread's state: no 80-byte copies on the per-query path.
        ref var state = ref t_state;
        state.Active = true;
        state.Exceeded = false;
        state.ExceededKind = default;
        state.Limits = limits;
        state.Deadline = startTimestamp + budgetTicks;
        state.LastCheck = startTimestamp;
        state.Slice = Math.Max(1, budgetTicks / 16);
        state.Interval = FirstCheckInterval;
        state.AllocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        state.StackBase = top;
        state.StackLimit = stackLimit;
        t_countdown = FirstCheckInterval;
        t_stackProbe = NextProbe(top, stackLimit);
        t_depth = depth + 1;
        return new BudgetScope(depth + 1);
    }

    /// <summary>Ends the scope at <paramref name="depth"/> and puts back the one it interrupted, if any.</summary>
    internal static void End(int depth)
    {
        // A second Dispose, a default scope, or a scope of another thread: nothing to end.
        if (depth == 0 || depth != t_depth)
        {
            return;
        }

        t_depth = depth - 1;
        if (depth > 1)
        {
            ref var saved = ref t_saved![depth - 2];
            t_state = saved.State;
            t_countdown = saved.Countdown;
            t_stackProbe = saved.StackProbe;
            return;
        }

        ref var state = ref t_state;
        state.Active = false;
        state.Exceeded = false;
        t_countdown = 0;
        t_stackProbe = 0;
    }

    // Nesting is rare (a static constructor run under its own scope during a query): the interrupted
    // budget goes to a per-thread stack only then.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Save(int depth)
    {
        var saved = t_saved ??= new SavedBudget[4];
        if (saved.Length < depth)
        {
            Array.Resize(ref saved, depth * 2);
            t_saved = saved;
        }

        saved[depth - 1] = new SavedBudget(t_state, t_countdown, t_stackProbe);
    }

    /// <summary>Stack bytes used below the scope's start by the caller's frame; 0 outside a scope.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long StackUsed()
    {
        byte marker = 0;
        var sp = AddressOf(ref marker);
        return t_state.Active && sp < t_state.StackBase ? (long)(t_state.StackBase - sp) : 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint AddressOf(ref byte local) => (nuint)Unsafe.ByteOffset(ref Unsafe.NullRef<byte>(), ref local);

    private static nuint NextProbe(nuint sp, nuint stackLimit) =>
        sp > stackLimit + StackProbeBytes ? sp - StackProbeBytes : stackLimit;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckArray(ulong length, int elementSize)
    {
        var high = Math.BigMul(length, (ulong)elementSize, out var bytes);
        if (high != 0 || bytes > SmallArrayBytes)
        {
            OnLargeArray(high != 0 ? ulong.MaxValue : bytes);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OnCountdown()
    {
        ref var state = ref t_state;
        if (!state.Active)
        {
            ThrowUnscoped();
        }

        if (state.Exceeded)
        {
            ThrowAgain(ref state);
        }

        var now = Stopwatch.GetTimestamp();
        if (now > state.Deadline)
        {
            ThrowExceeded(ref state, BudgetKind.Time, null);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - state.AllocatedAtStart;
        if (allocated > state.Limits.MaxAllocatedBytes)
        {
            ThrowExceeded(ref state, BudgetKind.Memory, BudgetExceededException.FormatBytes((ulong)allocated) + " allocated");
        }

        // An interval that took more than 1/16 of the budget means slow ticks (each iteration calls into
        // framework code): check 8 times as often, so the stop comes soon after the deadline. Fast intervals
        // double it back, up to CheckInterval, so a GC pause does not leave an invocation checking too often.
        var elapsed = now - state.LastCheck;
        if (elapsed > state.Slice)
        {
            state.Interval = Math.Max(1, state.Interval / 8);
        }
        else if (elapsed < state.Slice / 4 && state.Interval < CheckInterval)
        {
            state.Interval = Math.Min(CheckInterval, state.Interval * 2);
        }

        state.LastCheck = now;
        t_countdown = state.Interval;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OnEnter(nuint sp)
    {
        if (t_countdown < 0)
        {
            OnCountdown();
        }

        if (sp < t_stackProbe)
        {
            OnStackProbe(sp);
        }
    }

    private static void OnStackProbe(nuint sp)
    {
        ref var state = ref t_state;
        if (!state.Active)
        {
            t_stackProbe = 0;
            return;
        }

        if (state.Exceeded)
        {
            ThrowAgain(ref state);
        }

        if (sp < state.StackLimit)
        {
            ThrowExceeded(ref state, BudgetKind.Stack, null);
        }

        // The last line of defence: a thread whose stack was nearly full before the scope began.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            ThrowExceeded(ref state, BudgetKind.Stack, "the thread's stack is nearly full");
        }

        t_stackProbe = NextProbe(sp, state.StackLimit);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OnLargeArray(ulong bytes) => OnLargeAllocation(bytes, "an array");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OnLargeAllocation(ulong bytes, string what)
    {
        ref var state = ref t_state;
        if (!state.Active)
        {
            return;
        }

        if (state.Exceeded)
        {
            ThrowAgain(ref state);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - state.AllocatedAtStart;
        var left = state.Limits.MaxAllocatedBytes - allocated;
        if (left < 0 || bytes > (ulong)left)
        {
            ThrowExceeded(ref state, BudgetKind.Memory, what + " of " + BudgetExceededException.FormatBytes(bytes));
        }
    }

    [DoesNotReturn]
    private static void ThrowExceeded(ref BudgetState state, BudgetKind kind, string? detail)
    {
        state.Exceeded = true;
        state.ExceededKind = kind;
        Disarm();
        throw BudgetExceededException.Create(kind, state.Limits, detail);
    }

    // Policy code ran with no scope: a host bug (an exception's Message read outside PolicyText, a static
    // constructor run before the load's scope). Failing at once means such a bug cannot hang a thread.
    [DoesNotReturn]
    private static void ThrowUnscoped()
    {
        t_countdown = 0;
        throw BudgetExceededException.Create(BudgetKind.Unscoped, default, null);
    }

    [DoesNotReturn]
    private static void ThrowAgain(ref BudgetState state)
    {
        Disarm();
        throw BudgetExceededException.Create(state.ExceededKind, state.Limits, null);
    }

    // Once exceeded, the next Tick or Enter takes the slow path and throws again, so a finally block or a
    // Dispose that loops is stopped too.
    private static void Disarm()
    {
        t_countdown = 0;
        t_stackProbe = nuint.MaxValue;
    }

    private readonly record struct SavedBudget(BudgetState State, int Countdown, nuint StackProbe);
}
