using System.Runtime.CompilerServices;
using Scriptable.Policies.Runtime;
using Xunit.Abstractions;

namespace Scriptable.Engine.Tests.PolicyApi.Runtime;

/// <summary>
/// <see cref="Budget"/> called directly, as rewritten policy code calls it. Runs of real rewritten policies
/// are in <c>Policies/Compilation/BudgetRewriterTests</c>.
/// </summary>
public class BudgetTests(ITestOutputHelper output)
{
    private static readonly BudgetLimits NoTimeLimit = new() { Time = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// Policy code run with no scope (a host bug: an exception's Message read outside PolicyText) fails at its
    /// first check instead of running unbudgeted, and keeps failing; a catch filter cannot take it.
    /// </summary>
    [Fact]
    public void Tick_OutsideScope_ThrowsUnscopedEveryTime()
    {
        Assert.Equal(BudgetKind.Unscoped, Assert.Throws<BudgetExceededException>(Budget.Tick).Kind);
        Assert.Equal(BudgetKind.Unscoped, Assert.Throws<BudgetExceededException>(Budget.Tick).Kind);
        Assert.False(Budget.Ok);
    }

    [Fact]
    public void Enter_OutsideScope_ThrowsUnscoped()
    {
        Assert.Equal(BudgetKind.Unscoped, Assert.Throws<BudgetExceededException>(() => Recurse(5_000)).Kind);
        Assert.Equal(BudgetKind.Unscoped, Assert.Throws<BudgetExceededException>(Budget.Enter).Kind);
    }

    [Fact]
    public void Tick_NewThreadWithoutScope_Throws()
    {
        Exception? thrown = null;
        var thread = new Thread(() => thrown = Record.Exception(Budget.Tick));
        thread.Start();
        thread.Join();

        Assert.Equal(BudgetKind.Unscoped, Assert.IsType<BudgetExceededException>(thrown).Kind);
    }

    [Fact]
    public void Tick_AfterScopeEnds_ThrowsUnscoped()
    {
        using (Budget.Begin(NoTimeLimit))
        {
            Assert.True(Budget.Ok);
            Budget.Tick();
        }

        Assert.Equal(BudgetKind.Unscoped, Assert.Throws<BudgetExceededException>(Budget.Tick).Kind);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(-1)]
    public void Length_OutsideScope_ReturnsLength(int length)
    {
        Assert.Equal(length, Budget.Length<long>(length));
        Assert.Equal((long)length, Budget.Length<long>((long)length));
        Assert.Equal((nint)length, Budget.Length<long>((nint)length));
    }

    [Fact]
    public void Tick_PastDeadline_ThrowsTime()
    {
        using (Budget.Begin(new BudgetLimits { Time = TimeSpan.FromMilliseconds(5) }))
        {
            var ticks = 0L;
            var exception = Assert.Throws<BudgetExceededException>(Spin);
            output.WriteLine($"{ticks:N0} ticks before the stop");
            Assert.Equal(BudgetKind.Time, exception.Kind);
            Assert.Equal("Policy exceeded its time budget of 5 ms.", exception.Message);

            void Spin()
            {
                while (true)
                {
                    Budget.Tick();
                    ticks++;
                }
            }
        }
    }

    [Fact]
    public void Begin_HostTimestampPastTheBudget_StopsAtTheFirstCheck()
    {
        var receivedAt = System.Diagnostics.Stopwatch.GetTimestamp() - System.Diagnostics.Stopwatch.Frequency;
        using (Budget.Begin(BudgetLimits.Default, receivedAt))
        {
            var ticks = 0;
            var exception = Assert.Throws<BudgetExceededException>(Spin);
            Assert.Equal(BudgetKind.Time, exception.Kind);
            Assert.Equal(Budget.FirstCheckInterval, ticks);

            void Spin()
            {
                while (true)
                {
                    Budget.Tick();
                    ticks++;
                }
            }
        }
    }

    [Fact]
    public void Dispose_OnAnotherThread_DoesNothing()
    {
        var scope = Budget.Begin(new BudgetLimits { Time = TimeSpan.FromMilliseconds(1) });
        try
        {
            var other = new Thread(() => Budget.End(1));
            other.Start();
            other.Join();
            Assert.Throws<BudgetExceededException>(SpinForever);
        }
        finally
        {
            scope.Dispose();
        }

        Assert.False(Budget.Ok);
    }

    [Fact]
    public void Enter_DeepRecursion_ThrowsStackWithinBudget()
    {
        using (Budget.Begin(NoTimeLimit))
        {
            var deepest = 0L;
            var depth = 0;
            var exception = Assert.Throws<BudgetExceededException>(() => RecurseForever(ref depth, ref deepest));
            output.WriteLine($"stopped at depth {depth:N0}, {deepest:N0} bytes of stack used");
            Assert.Equal(BudgetKind.Stack, exception.Kind);
            Assert.Equal("Policy exceeded its stack budget of 256 KiB.", exception.Message);
            Assert.InRange(deepest, BudgetLimits.DefaultMaxStackBytes - 4096, BudgetLimits.DefaultMaxStackBytes + 4096);
        }
    }

    [Fact]
    public void Enter_SmallStackBudget_StopsEarlier()
    {
        using (Budget.Begin(NoTimeLimit with { MaxStackBytes = 16 * 1024 }))
        {
            var deepest = 0L;
            var depth = 0;
            var exception = Assert.Throws<BudgetExceededException>(() => RecurseForever(ref depth, ref deepest));
            Assert.Equal(BudgetKind.Stack, exception.Kind);
            Assert.InRange(deepest, 12 * 1024, 20 * 1024);
        }
    }

    [Fact]
    public void Ok_AfterExceeded_StaysFalseAndEveryCallThrowsUntilDispose()
    {
        using (Budget.Begin(new BudgetLimits { Time = TimeSpan.FromMilliseconds(1) }))
        {
            Assert.True(Budget.Ok);
            Assert.Throws<BudgetExceededException>(SpinForever);
            Assert.False(Budget.Ok);

            Assert.Equal(BudgetKind.Time, Assert.Throws<BudgetExceededException>(Budget.Tick).Kind);
            Assert.Equal(BudgetKind.Time, Assert.Throws<BudgetExceededException>(Budget.Enter).Kind);
            Assert.Equal(BudgetKind.Time, Assert.Throws<BudgetExceededException>(Budget.Tick).Kind);
            Assert.Throws<BudgetExceededException>(() => Budget.EnterExpression());
            Assert.Throws<BudgetExceededException>(() => Budget.Length<byte>(100_000));
            Assert.False(Budget.Ok);
        }

        Assert.False(Budget.Ok);
        using (Budget.Begin(NoTimeLimit))
        {
            Budget.Tick();
            Budget.Enter();
            Assert.True(Budget.Ok);
        }
    }

    [Fact]
    public void Begin_AfterStop_StartsFresh()
    {
        using (Budget.Begin(new BudgetLimits { Time = TimeSpan.FromMilliseconds(1) }))
        {
            Assert.Throws<BudgetExceededException>(SpinForever);
        }

        using (Budget.Begin(NoTimeLimit))
        {
            Assert.True(Budget.Ok);
            for (var i = 0; i < 100_000; i++)
            {
                Budget.Tick();
            }

            Assert.Equal(1_000, Recurse(1_000));
        }
    }

    [Fact]
    public void Dispose_NestedScope_RestoresOuterBudget()
    {
        using (Budget.Begin(NoTimeLimit))
        {
            using (Budget.Begin(new BudgetLimits { Time = TimeSpan.FromMilliseconds(1) }))
            {
                Assert.Throws<BudgetExceededException>(SpinForever);
                Assert.False(Budget.Ok);
            }

            // The outer invocation (a query whose policy ran a static constructor under its own scope) goes on.
            Assert.True(Budget.Ok);
            for (var i = 0; i < 100_000; i++)
            {
                Budget.Tick();
            }

            Assert.Equal(BudgetKind.Memory, Assert.Throws<BudgetExceededException>(() => Budget.Length<byte>(int.MaxValue)).Kind);
        }

        Assert.False(Budget.Ok);
        Assert.Equal(int.MaxValue, Budget.Length<byte>(int.MaxValue));
    }

    [Fact]
    public void Dispose_Twice_RestoresOnce()
    {
        var outer = Budget.Begin(NoTimeLimit);
        var inner = Budget.Begin(new BudgetLimits { Time = TimeSpan.FromMilliseconds(1) });
        Assert.Throws<BudgetExceededException>(SpinForever);
        inner.Dispose();
        inner.Dispose();
        Assert.True(Budget.Ok);
        outer.Dispose();
        Assert.Equal(int.MaxValue, Budget.Length<byte>(int.MaxValue));
    }

    public static TheoryData<string, Func<object>> OverBudgetArrays => new()
    {
        { "an array of 2 GiB", () => Budget.Length<byte>(int.MaxValue) },
        { "an array of 4 GiB", () => Budget.Length<int>(1u << 30) },
        { "an array of 8 GiB", () => Budget.Length<long>(1L << 30) },
        { "an array of 16 GiB", () => Budget.Length<string>(1UL << 31) },
        { "an array of 32 MiB", () => Budget.Length<nint>((nint)(4 << 20)) },
        { "an array of 17 MiB", () => Budget.Length<byte>((nuint)(17 << 20)) },
        { "an array of 17179869184 GiB", () => Budget.Length<decimal>(ulong.MaxValue) },
        { "an array of 2.3 GiB", () => Budget.NewArray<byte>(50_000, 50_000) },
    };

    [Theory]
    [MemberData(nameof(OverBudgetArrays))]
    public void Length_OverMemoryBudget_ThrowsBeforeAllocating(string detail, Func<object> create)
    {
        using (Budget.Begin(NoTimeLimit))
        {
            var exception = Assert.Throws<BudgetExceededException>(create);
            Assert.Equal(BudgetKind.Memory, exception.Kind);
            Assert.Equal($"Policy exceeded its memory budget of 16 MiB ({detail}).", exception.Message);
            output.WriteLine(exception.Message);
        }
    }

    [Fact]
    public void Length_WithinBudget_ReturnsLengthAndCountsEarlierAllocations()
    {
        using (Budget.Begin(NoTimeLimit))
        {
            Assert.Equal(4096, Budget.Length<byte>(4096));
            Assert.Equal(1 << 20, Budget.Length<long>(1 << 20));
            Assert.Equal(0, Budget.Length<long>(0));
            Assert.Equal(-1, Budget.Length<long>(-1));

            // 12 MiB allocated leaves room for 4 MiB more, not 8.
            var kept = new byte[12 << 20];
            Assert.Equal(2 << 20, Budget.Length<byte>(2 << 20));
            Assert.Throws<BudgetExceededException>(() => Budget.Length<byte>(8 << 20));
            GC.KeepAlive(kept);
        }
    }

    [Fact]
    public void NewArray_WithinBudget_CreatesTheArray()
    {
        using (Budget.Begin(NoTimeLimit))
        {
            var array = (int[,,])Budget.NewArray<int>(2, 3, 4);
            Assert.Equal([2, 3, 4], Enumerable.Range(0, 3).Select(array.GetLength));
            Assert.Throws<OverflowException>(() => Budget.NewArray<int>(2, -1));
        }
    }

    [Fact]
    public void Tick_AllocationInLoop_ThrowsMemory()
    {
        using (Budget.Begin(NoTimeLimit with { MaxAllocatedBytes = 4 << 20 }))
        {
            var kept = new List<byte[]>();
            var exception = Assert.Throws<BudgetExceededException>(Fill);
            Assert.Equal(BudgetKind.Memory, exception.Kind);
            Assert.StartsWith("Policy exceeded its memory budget of 4 MiB (", exception.Message, StringComparison.Ordinal);
            Assert.InRange(kept.Count, 3 * 1024, 6 * 1024);

            void Fill()
            {
                while (true)
                {
                    Budget.Tick();
                    kept.Add(new byte[1024]);
                }
            }
        }
    }

    [Fact]
    public void Tick_TwoThreads_KeepIndependentBudgets()
    {
        Exception? stopped = null;
        var finished = false;
        using var start = new Barrier(2);
        var runaway = new Thread(() =>
        {
            using var scope = Budget.Begin(new BudgetLimits { Time = TimeSpan.FromMilliseconds(20) });
            start.SignalAndWait();
            stopped = Record.Exception(SpinForever);
        });
        var steady = new Thread(() =>
        {
            using var scope = Budget.Begin(NoTimeLimit);
            start.SignalAndWait();
            for (var i = 0; i < 50_000_000; i++)
            {
                Budget.Tick();
            }

            finished = Budget.Ok;
        });
        runaway.Start();
        steady.Start();
        runaway.Join();
        steady.Join();

        Assert.Equal(BudgetKind.Time, Assert.IsType<BudgetExceededException>(stopped).Kind);
        Assert.True(finished);
        Assert.False(Budget.Ok);
    }

    [Theory]
    [InlineData(BudgetKind.Time, "Policy exceeded its time budget of 10 ms.")]
    [InlineData(BudgetKind.Stack, "Policy exceeded its stack budget of 256 KiB.")]
    [InlineData(BudgetKind.Memory, "Policy exceeded its memory budget of 16 MiB.")]
    public void Create_DefaultLimits_NamesKindAndLimit(BudgetKind kind, string expected)
    {
        var exception = BudgetExceededException.Create(kind, BudgetLimits.Default, null);
        Assert.Equal(kind, exception.Kind);
        Assert.Equal(expected, exception.Message);
    }

    [Theory]
    [InlineData(0.5, 1000, 1536, "time budget of 0.5 ms")]
    [InlineData(2.25, 1000, 1536, "time budget of 2.25 ms")]
    public void Create_OtherLimits_FormatsThem(double milliseconds, int stack, long memory, string expected)
    {
        var limits = new BudgetLimits { Time = TimeSpan.FromMilliseconds(milliseconds), MaxStackBytes = stack, MaxAllocatedBytes = memory };
        Assert.Contains(expected, BudgetExceededException.Create(BudgetKind.Time, limits, null).Message, StringComparison.Ordinal);
        Assert.Contains("stack budget of 1000 bytes", BudgetExceededException.Create(BudgetKind.Stack, limits, null).Message, StringComparison.Ordinal);
        Assert.Contains("memory budget of 1536 bytes (detail)", BudgetExceededException.Create(BudgetKind.Memory, limits, "detail").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_Default_AreTenMillisecondsQuarterMebibyteSixteenMebibytes()
    {
        var limits = new BudgetLimits();
        Assert.Equal(TimeSpan.FromMilliseconds(10), limits.Time);
        Assert.Equal(256 * 1024, limits.MaxStackBytes);
        Assert.Equal(16L * 1024 * 1024, limits.MaxAllocatedBytes);
        Assert.Equal(BudgetLimits.Default, limits);
        Assert.Equal(default, limits);
    }

    [Fact]
    public void Limits_NotPositive_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BudgetLimits { Time = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new BudgetLimits { MaxStackBytes = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new BudgetLimits { MaxAllocatedBytes = -1 });
    }

    private static void SpinForever()
    {
        while (true)
        {
            Budget.Tick();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Recurse(int n)
    {
        Budget.Enter();
        return n == 0 ? 0 : 1 + Recurse(n - 1);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RecurseForever(ref int depth, ref long deepest)
    {
        Budget.Enter();
        depth++;
        deepest = Math.Max(deepest, Budget.StackUsed());
        RecurseForever(ref depth, ref deepest);
    }
}
