using System.Text.RegularExpressions;
using Scriptable.Policies.Runtime;
using Xunit.Abstractions;

namespace Scriptable.Engine.Tests.Policies.Compilation;

/// <summary>
/// Issue 14, finding 5: work inside framework methods, which the budget's ticks in policy code never see. Each
/// class of it (lazily unbounded generators, regular expressions, allocations sized by an argument, growth by
/// repeated calls) stops within one query's budget, as the policy compiler instruments it.
/// </summary>
public class FrameworkWorkTests(ITestOutputHelper output)
{
    // Limits for runs that must stop on memory: a descheduled test thread must not turn them into Time.
    private static readonly BudgetLimits NoTimeLimit = new() { Time = TimeSpan.FromSeconds(30) };

    // Lazily unbounded generators: framework code (Max, Count, ToArray, string.Join) enumerates them without a
    // tick in policy code.
    public static TheoryData<string, string> Generators => new()
    {
        { "Range(0, int.MaxValue).Max()", "return new Answer(Enumerable.Range(0, int.MaxValue).Max());" },
        { "Repeat(1, int.MaxValue).Sum()", "return new Answer(Enumerable.Repeat(1L, int.MaxValue).Sum());" },
        { "Range(...).Count(), after Where", "return new Answer(Enumerable.Range(0, int.MaxValue).Where(x => x >= 0).Count());" },
        { "Range via using static", "return new Answer(System.Linq.Enumerable.Range(0, int.MaxValue).Select(x => (long)x).Max());" },
        { "Range as a method group", "Func<int, int, IEnumerable<int>> make = Enumerable.Range;\nreturn new Answer(make(0, int.MaxValue).Max());" },
        { "Sequence", "return new Answer(Enumerable.Sequence(0L, long.MaxValue, 1L).Max());" },
        { "InfiniteSequence", "return new Answer(Enumerable.InfiniteSequence(0L, 1L).Take(int.MaxValue).Max());" },
        { "string.Join over 20M numbers", "return new Answer(string.Join(\",\", Enumerable.Range(0, 20_000_000)).Length);" },
        { "Repeat(...).ToArray()", "return new Answer(Enumerable.Repeat(\"x\", 500_000_000).ToArray().Length);" },
        { "Distinct over a huge range", "return new Answer(Enumerable.Range(0, int.MaxValue).Distinct().Count());" },
    };

    [Theory]
    [MemberData(nameof(Generators))]
    public void Run_FrameworkEnumeratesUnboundedGenerator_StopsWithinBudget(string name, string statements)
    {
        using var harness = BudgetHarness.Compile(statements);
        var (exception, elapsed, allocated) = harness.Stop(BudgetLimits.Default);
        output.WriteLine($"{name}: {exception.Kind} after {elapsed.TotalMilliseconds:F1} ms, {allocated / 1024} KiB: {exception.Message}");
        Assert.True(exception.Kind is BudgetKind.Time or BudgetKind.Memory, exception.Message);
    }

    [Theory]
    [InlineData("return new Answer(Regex.IsMatch(new string('a', 27) + \"!\", \"^(a+)+$\"));", "")]
    [InlineData("return new Answer(Regex.Match(new string('a', 27) + \"!\", \"^(a+)+$\").Success);", "")]
    [InlineData("return new Answer(Regex.Replace(new string('a', 27) + \"!\", \"^(a+)+$\", \"x\"));", "")]
    [InlineData("return new Answer(Regex.Count(new string('a', 27) + \"!\", \"^(a+)+$\"));", "")]
    [InlineData("return new Answer(Regex.IsMatch(new string('a', 27) + \"!\", \"^(a+)+$\", RegexOptions.None, TimeSpan.FromHours(1)));", "")]
    [InlineData("return new Answer(new Regex(\"^(a+)+$\").IsMatch(new string('a', 27) + \"!\"));", "")]
    [InlineData("return new Answer(new Regex(\"^(a+)+$\", RegexOptions.None, Regex.InfiniteMatchTimeout).IsMatch(new string('a', 27) + \"!\"));", "")]
    [InlineData("Regex r = new(\"^(a+)+$\");\nreturn new Answer(r.IsMatch(new string('a', 27) + \"!\"));", "")]
    [InlineData("return new Answer(Pattern.IsMatch(new string('a', 27) + \"!\"));", "static readonly Regex Pattern = new(\"^(a+)+$\", RegexOptions.Compiled);")]
    [InlineData("return new Answer(Pattern.Split(new string('a', 27) + \"!\").Length);", "static readonly Regex Pattern = new(\"^(a+)+$\");")]
    [InlineData("var n = 0;\nforeach (var m in Pattern.EnumerateMatches(new string('a', 27) + \"!\")) n++;\nreturn new Answer(n);", "static readonly Regex Pattern = new(\"^(a+)+$\");")]
    public void Run_CatastrophicBacktracking_TimesOutWithinBudget(string statements, string members)
    {
        using var harness = BudgetHarness.Compile(statements, members);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var exception = Record.Exception(() => harness.Run(BudgetLimits.Default));
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        output.WriteLine($"{exception?.GetType().Name} after {elapsed.TotalMilliseconds:F1} ms: {exception?.Message}");
        Assert.True(exception is RegexMatchTimeoutException or BudgetExceededException { Kind: BudgetKind.Time }, exception?.ToString() ?? "no exception: the match ran to its end");
    }

    // Making a regex is work no match timeout covers, and it grows with the pattern (NonBacktracking: 4 s and
    // 257 MB for a million chars): patterns are limited in length.
    [Theory]
    [InlineData("return new Answer(new Regex(new string('a', 1_000_000), RegexOptions.NonBacktracking).IsMatch(\"a\"));")]
    [InlineData("return new Answer(Regex.IsMatch(\"a\", new string('a', 1_000_000), RegexOptions.NonBacktracking));")]
    [InlineData("Regex r = new(new string('a', 1_000_000), RegexOptions.NonBacktracking, TimeSpan.FromMilliseconds(1));\nreturn new Answer(r.IsMatch(\"a\"));")]
    public void Run_HugeRegexPattern_RejectedBeforeItIsBuilt(string statements)
    {
        using var harness = BudgetHarness.Compile(statements);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var exception = Record.Exception(() => harness.Run(NoTimeLimit));
        output.WriteLine($"{exception?.GetType().Name} after {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms: {exception?.Message}");
        var rejected = Assert.IsType<ArgumentException>(exception);
        Assert.Contains("is longer than a policy may use", rejected.Message, StringComparison.Ordinal);
    }

    // Allocations sized by an argument inside framework code: checked against what is left of the memory
    // budget before the call, so they stop without allocating.
    public static TheoryData<string, string> SizedAllocations => new()
    {
        { "new string('x', 100_000_000)", "return new Answer(new string('x', 100_000_000).Length);" },
        { "target-typed new string", "string s = new('x', 100_000_000);\nreturn new Answer(s.Length);" },
        { "PadLeft", "return new Answer(\"x\".PadLeft(100_000_000).Length);" },
        { "PadRight with a char", "return new Answer(\"x\".PadRight(totalWidth: 100_000_000, paddingChar: '.').Length);" },
        { "string.Create", "return new Answer(string.Create(100_000_000, 0, (span, _) => { }).Length);" },
        { "new StringBuilder(capacity)", "return new Answer(new StringBuilder(100_000_000).Capacity);" },
        { "StringBuilder.Append(char, repeatCount)", "return new Answer(new StringBuilder().Append('x', 100_000_000).Length);" },
        { "StringBuilder.Insert(index, value, count)", "return new Answer(new StringBuilder().Insert(0, \"abcdefghij\", 10_000_000).Length);" },
        { "StringBuilder.Capacity =", "var sb = new StringBuilder();\nsb.Capacity = 100_000_000;\nreturn new Answer(sb.Capacity);" },
        { "StringBuilder.Length = in an initializer", "var sb = new StringBuilder { Length = 100_000_000 };\nreturn new Answer(sb.Length);" },
        { "new List<long>(capacity)", "return new Answer(new List<long>(100_000_000).Capacity);" },
        { "List.Capacity +=", "var l = new List<long>();\nl.Capacity += 100_000_000;\nreturn new Answer(l.Capacity);" },
        { "List.EnsureCapacity", "var l = new List<string>();\nreturn new Answer(l.EnsureCapacity(100_000_000));" },
        { "new Dictionary(capacity)", "return new Answer(new Dictionary<long, long>(50_000_000).Count);" },
        { "new HashSet(capacity)", "return new Answer(new HashSet<string>(50_000_000).Count);" },
        { "new ConcurrentDictionary(concurrencyLevel, capacity)", "return new Answer(new System.Collections.Concurrent.ConcurrentDictionary<int, int>(50_000_000, 1).Count);" },
        { "Array.Resize", "var a = new int[1];\nArray.Resize(ref a, 100_000_000);\nreturn new Answer(a.Length);" },
        { "Random.GetItems", "return new Answer(Random.Shared.GetItems(new[] { 1 }, 100_000_000).Length);" },
        { "ArrayList.Repeat", "return new Answer(System.Collections.ArrayList.Repeat(1, 100_000_000).Count);" },
        { "new BitArray(length)", "return new Answer(new System.Collections.BitArray(int.MaxValue).Length);" },
        { "ImmutableArray.CreateBuilder(capacity)", "return new Answer(System.Collections.Immutable.ImmutableArray.CreateBuilder<long>(100_000_000).Capacity);" },
        { "BigInteger.Pow", "return new Answer(System.Numerics.BigInteger.Pow(3, 1_000_000_000).IsZero);" },
        { "BigInteger <<", "return new Answer((System.Numerics.BigInteger.One << int.MaxValue).IsZero);" },
        { "BigInteger >> negative", "var b = System.Numerics.BigInteger.One;\nb >>= -1_000_000_000;\nreturn new Answer(b.IsZero);" },
        { "string.Replace that multiplies", "var s = new string('a', 100_000);\nreturn new Answer(s.Replace(\"a\", new string('b', 1000)).Length);" },
        { "a format's precision", "return new Answer(1.ToString(\"D99999999\", System.Globalization.CultureInfo.InvariantCulture).Length);" },
        { "a format's precision, not a constant", "var f = \"X\" + 99_999_999;\nreturn new Answer(255.ToString(f, System.Globalization.CultureInfo.InvariantCulture).Length);" },
        { "string.Format alignment and precision", "return new Answer(string.Format(System.Globalization.CultureInfo.InvariantCulture, \"{0:F99999999}\", 1.5).Length);" },
        { "AppendFormat", "return new Answer(new StringBuilder().AppendFormat(System.Globalization.CultureInfo.InvariantCulture, \"{0:N99999999}\", 1).Length);" },
        { "interpolation alignment", "var x = 1;\nreturn new Answer($\"{x,99999999}\".Length);" },
        { "interpolation precision", "var x = 1;\nreturn new Answer($\"{x:D99999999}\".Length);" },
        { "StringBuilder.Replace that multiplies", "var sb = new StringBuilder(new string('a', 100_000));\nreturn new Answer(sb.Replace(\"a\", new string('b', 1000)).Length);" },
    };

    [Theory]
    [MemberData(nameof(SizedAllocations))]
    public void Run_AllocationSizedByArgument_StoppedBeforeAllocating(string name, string statements)
    {
        using var harness = BudgetHarness.Compile(statements);
        var (exception, elapsed, allocated) = harness.Stop(NoTimeLimit);
        output.WriteLine($"{name}: {exception.Kind} after {elapsed.TotalMilliseconds:F1} ms, {allocated / 1024} KiB: {exception.Message}");
        Assert.Equal(BudgetKind.Memory, exception.Kind);
        Assert.True(allocated < 4 * 1024 * 1024, $"{allocated / 1024} KiB allocated before the stop");
    }

    // Growth by repeated framework calls, faster than the periodic check: stopped at the first large result
    // after the budget (memory, or time when the calls are slow, as squaring a huge number is), so what was
    // allocated stays within a few budgets.
    public static TheoryData<string, string> Growth => new()
    {
        { "s = s + s in a loop", "var s = \"x\";\nfor (var i = 0; i < 26; i++) s = s + s;\nreturn new Answer(s.Length);" },
        { "s = s + s, no loop at all", "var s = \"x\";\n" + string.Concat(Enumerable.Repeat("s = s + s;\n", 26)) + "return new Answer(s.Length);" },
        { "s += s", "var s = \"x\";\nfor (var i = 0; i < 26; i++) s += s;\nreturn new Answer(s.Length);" },
        { "interpolated", "var s = \"x\";\nfor (var i = 0; i < 26; i++) s = $\"{s}{s}\";\nreturn new Answer(s.Length);" },
        { "string.Concat", "var s = \"x\";\nfor (var i = 0; i < 26; i++) s = string.Concat(s, s);\nreturn new Answer(s.Length);" },
        { "Replace that doubles", "var s = \"x\";\nfor (var i = 0; i < 26; i++) s = s.Replace(\"x\", \"xx\");\nreturn new Answer(s.Length);" },
        { "StringBuilder.Append(itself)", "var sb = new StringBuilder(\"x\");\nfor (var i = 0; i < 26; i++) sb.Append(sb);\nreturn new Answer(sb.Length);" },
        { "List.AddRange(itself)", "var l = new List<long> { 1 };\nfor (var i = 0; i < 26; i++) l.AddRange(l);\nreturn new Answer(l.Count);" },
        { "collection expression spread twice", "List<long> l = [1];\nfor (var i = 0; i < 26; i++) l = [.. l, .. l];\nreturn new Answer(l.Count);" },
        { "Concat(...).ToArray()", "var a = new long[] { 1 };\nfor (var i = 0; i < 26; i++) a = a.Concat(a).ToArray();\nreturn new Answer(a.Length);" },
        { "BigInteger squaring", "var b = new System.Numerics.BigInteger(3);\nfor (var i = 0; i < 30; i++) b = b * b;\nreturn new Answer(b.IsZero);" },
        { "conditional access", "string? s = \"x\";\nfor (var i = 0; i < 26; i++) s = s?.Insert(0, s);\nreturn new Answer(s!.Length);" },
    };

    [Theory]
    [MemberData(nameof(Growth))]
    public void Run_GrowthByRepeatedFrameworkCalls_StopsNearTheBudget(string name, string statements)
    {
        using var harness = BudgetHarness.Compile(statements);
        var (exception, elapsed, allocated) = harness.Stop(new BudgetLimits { Time = TimeSpan.FromSeconds(2) });
        output.WriteLine($"{name}: {exception.Kind} after {elapsed.TotalMilliseconds:F1} ms, {allocated / 1024} KiB: {exception.Message}");
        Assert.True(exception.Kind is BudgetKind.Memory or BudgetKind.Time, exception.Message);
        Assert.True(allocated < 4L * BudgetLimits.DefaultMaxAllocatedBytes, $"{allocated / 1024} KiB allocated before the stop");
    }
}
