using BenchmarkDotNet.Attributes;
using Scriptable.Policies.Runtime;

namespace Scriptable.Benchmarks;

/// <summary>
/// What the framework-call guards cost one by one, inside a budget scope as in a query: the allocation counter
/// they read for a large result, the check of a small result (the common case), the full check of a large one,
/// and the thread test behind every read of <c>ctx</c>.
/// </summary>
[MemoryDiagnoser]
public class GuardBenchmarks
{
    private readonly string _small = new('x', 64);
    private readonly string _large = new('x', 64 * 1024);

    // A scope on the benchmark thread for the whole run (BenchmarkDotNet runs setup and iterations on one thread).
    // BudgetScope is a ref struct and cannot be kept in a field, so the cleanup ends depth 1 itself.
    [GlobalSetup]
    public void Setup() => Budget.Begin(new BudgetLimits { Time = TimeSpan.FromHours(1), MaxAllocatedBytes = long.MaxValue / 2 });

    [GlobalCleanup]
    public void Cleanup() => Budget.End(1);

    [Benchmark(Baseline = true)]
    public string Nothing() => _small;

    [Benchmark]
    public long AllocationCounter() => GC.GetAllocatedBytesForCurrentThread();

    [Benchmark]
    public string? ProducedSmallString() => FrameworkGuard.Produced(_small);

    [Benchmark]
    public string? ProducedLargeString() => FrameworkGuard.Produced(_large);

    [Benchmark]
    public int ThreadTest() => Environment.CurrentManagedThreadId;
}
