using Scriptable.Policies.Runtime;

namespace Scriptable.Engine.Tests.Policies.Compilation;

/// <summary>
/// What the framework-call pass of the budget rewriter writes, and that the result compiles without new
/// warnings, keeps every line, and returns what the original returned.
/// </summary>
public class FrameworkGuardRewriterTests
{
    private const string R = "global::Scriptable.Policies.Runtime.";

    private static readonly BudgetLimits Roomy = new() { Time = TimeSpan.FromSeconds(30) };

    public static TheoryData<string, string, string> Rewritten => new()
    {
        { "", "return new Answer(Enumerable.Range(0, 5).Sum());", $"{R}CountedSequences.Range(0, 5).Sum()" },
        { "", "return new Answer(Enumerable.Repeat<long>(1, 5).Sum());", $"{R}CountedSequences.Repeat<long>(1, 5)" },
        { "", "Func<int, int, IEnumerable<int>> f = Enumerable.Range;\nreturn new Answer(f(0, 3).Sum());", $"f = {R}CountedSequences.Range;" },
        { "", "var r = new Regex(\"a+\");\nreturn new Answer(r.IsMatch(\"aa\"));", $"var r = {R}RegexGuard.Create(\"a+\");" },
        { "", "Regex r = new(\"a+\", RegexOptions.IgnoreCase);\nreturn new Answer(r.IsMatch(\"AA\"));", $"Regex r = {R}RegexGuard.Create(\"a+\", RegexOptions.IgnoreCase);" },
        { "", "return new Answer(Regex.IsMatch(input: \"aa\", pattern: \"a+\"));", $"{R}RegexGuard.IsMatch(input: \"aa\", pattern: \"a+\")" },
        { "", "return new Answer(new string('x', 3));", $"new string('x', {R}Budget.Length<char>(3))" },
        { "", "return new Answer(new List<(int A, string B)>(4).Capacity);", $"new List<(int A, string B)>({R}Budget.Length<(int A, string B)>(4))" },
        { "", "return new Answer(new Dictionary<string, long>(4).Count);", $"{R}Budget.Length<global::System.Collections.Generic.KeyValuePair<string, long>>(4)" },
        { "", "var sb = new StringBuilder();\nsb.Capacity = 64;\nreturn new Answer(sb.Capacity);", $"sb.Capacity = {R}Budget.Length<char>(64);" },
        { "", "var a = \"x\";\nvar b = a + a + a;\nreturn new Answer(b);", $"var b = {R}FrameworkGuard.Produced(a + a + a);" },
        { "", "const string A = \"x\" + \"y\";\nreturn new Answer(A);", "const string A = \"x\" + \"y\";" },
        { "", "var a = 1;\nvar s = $\"{a}-{a}\";\nreturn new Answer(s);", $"var s = {R}FrameworkGuard.Produced($\"{{a}}-{{a}}\");" },
        { "", "var a = 1;\nvar s = string.Create(System.Globalization.CultureInfo.InvariantCulture, $\"{a}\");\nreturn new Answer(s);", "string.Create(System.Globalization.CultureInfo.InvariantCulture, $\"{a}\")" },
        { "", "var s = \"abc\";\nreturn new Answer(s.Replace(\"a\", \"bb\"));", $"{R}FrameworkGuard.Replace(s, \"a\", \"bb\")" },
        { "", "string? s = \"abc\";\nreturn new Answer(s?.Replace(\"a\", \"bb\"));", $"{R}FrameworkGuard.Produced(s?.Replace(\"a\", \"bb\"))" },
        { "", "var l = new List<int> { 1 };\nl.AddRange(l);\nreturn new Answer(l.Count);", $"{R}FrameworkGuard.Produced<global::System.Collections.Generic.List<int>, int>(l).AddRange(l);" },
        { "", "var s = \"x\";\ns += s;\nreturn new Answer(s);", $"s += {R}FrameworkGuard.Produced(s);" },
        { "", "var b = System.Numerics.BigInteger.One << 3;\nreturn new Answer(b.IsZero);", $"{R}FrameworkGuard.Produced(System.Numerics.BigInteger.One << {R}FrameworkGuard.ShiftLeft(3))" },
        { "", "var f = \"D\" + 2;\nreturn new Answer(5.ToString(f, System.Globalization.CultureInfo.InvariantCulture));", $"5.ToString({R}FrameworkGuard.Format(f), System.Globalization.CultureInfo.InvariantCulture)" },
        { "", "return new Answer(5.ToString(\"D2\", System.Globalization.CultureInfo.InvariantCulture));", "5.ToString(\"D2\", System.Globalization.CultureInfo.InvariantCulture)" },
        { "", "var n = 1;\nreturn new Answer($\"{n,5000}\".Length);", $"{{{R}FrameworkGuard.Formatted(n, 5000L),5000}}" },
        { "", "System.Linq.Expressions.Expression<Func<string, string>> e = s => s + s;\nreturn new Answer(e.ToString());", "e = s => s + s;" },
        { "", "return new Answer(nameof(Enumerable.Range));", "nameof(Enumerable.Range)" },
    };

    [Theory]
    [MemberData(nameof(Rewritten))]
    public void Rewrite_FrameworkCall_GuardsIt(string members, string statements, string expected)
    {
        using var harness = BudgetHarness.Compile(statements, members);
        var text = harness.Rewritten.GetText().ToString();
        Assert.True(text.Contains(expected, StringComparison.Ordinal), "expected: " + expected + "\n--- rewritten ---\n" + text);
        Assert.Empty(harness.NewWarnings);
    }

    // Code that must compile after rewriting and return what it returned before, nullable on and off.
    public static TheoryData<string, string> SameResult => new()
    {
        { "", "var q = from x in Enumerable.Range(1, 4) where x % 2 == 0 select x * 10;\nreturn new Answer(string.Join(\",\", q) + Enumerable.Repeat(\"ab\", 3).Count() + Enumerable.Sequence(1, 9, 2).Sum() + Enumerable.InfiniteSequence(1, 3).Take(3).Last());" },
        { "static readonly Regex Word = new(@\"\\w+\", RegexOptions.Compiled);", "var m = Regex.Match(\"www-eu-1\", @\"^www-(\\w+)-(\\d+)$\");\nvar n = 0;\nforeach (var v in Regex.EnumerateMatches(\"a b c\", @\"\\w\")) n += v.Length;\nreturn new Answer(m.Groups[1].Value + Word.Matches(\"x y\").Count + Regex.Replace(\"aaa\", \"a\", x => x.Value + \"!\") + n + Regex.Split(\"a,b\", \",\").Length + Regex.Count(\"abab\", \"b\"));" },
        { "", "var s = \"www.example.org\";\nvar sb = new StringBuilder(16).Append('-', 3).Insert(0, \"ab\", 2);\nsb.Replace(\"a\", \"A\");\nvar l = new List<string>(4) { s };\nl.AddRange(s.Split('.'));\nvar d = new Dictionary<string, int>(8) { [\"a\"] = 1 };\nint[] arr = [1, 2];\nArray.Resize(ref arr, 4);\nreturn new Answer($\"{s.PadLeft(20)}|{sb}|{string.Join(\",\", l)}|{d.Count}|{arr.Length}|{s.Replace(\".\", \"::\")}|{s?.Replace(\"w\", \"W\")}|{new string('z', 2)}\");" },
        { "", "var b = System.Numerics.BigInteger.Pow(3, 40);\nb <<= 2;\nb >>= 1;\nvar c = b * b + (b >> 3);\nreturn new Answer(c.ToString(System.Globalization.CultureInfo.InvariantCulture));" },
        { "", "var x = 42;\nvar a = x.ToString(\"D6\", System.Globalization.CultureInfo.InvariantCulture);\nvar f = \"X\" + 4;\nvar b = x.ToString(f, System.Globalization.CultureInfo.InvariantCulture);\nvar c = string.Format(System.Globalization.CultureInfo.InvariantCulture, \"{0,5}|{1:F2}\", x, 1.5);\nvar d = $\"{x,-4}|{x:X2}|{x,6:D3}\";\nreturn new Answer(a + b + c + d);" },
        { "", "List<int> l = [1, 2];\nl = [.. l, .. l];\nvar s = \"a\";\ns += s + \"b\";\nvar t = $\"{s}{l.Count}\";\nreturn new Answer(t + (s?.Length ?? 0));" },
    };

    [Theory]
    [MemberData(nameof(SameResult))]
    public void Rewrite_FrameworkCalls_CompileAndReturnTheSame(string members, string statements)
    {
        foreach (var nullable in new[] { Microsoft.CodeAnalysis.NullableContextOptions.Enable, Microsoft.CodeAnalysis.NullableContextOptions.Disable })
        {
            using var plain = BudgetHarness.Compile(statements, members, rewrite: false, nullable);
            using var rewritten = BudgetHarness.Compile(statements, members, rewrite: true, nullable);
            Assert.Empty(rewritten.NewWarnings);
            Assert.Equal(plain.RunUnlimited(), rewritten.Run(Roomy));

            // And after the IL pass: valid IL, the same result.
            using var woven = BudgetHarness.Compile(statements, members, rewrite: true, nullable, weave: true);
            Assert.Equal(plain.RunUnlimited(), woven.Run(Roomy));
        }
    }

    // A twin replaces `s\n    .Replace(...)`, written on two lines, by one call: the line end stays, so an
    // exception two lines further down still points at its own line.
    [Fact]
    public void Rewrite_TwinOverSeveralLines_KeepsLaterLines()
    {
        using var harness = BudgetHarness.Compile("var s = \"abc\"\n    .Replace(\"a\", \"bb\")\n    .Replace(\"b\", \"c\");\nvar r = Enumerable\n    .Range(0, 3);\nthrow new InvalidOperationException(s + r.Count());");

        Assert.Equal(harness.Original.GetText().Lines.Count, harness.Rewritten.GetText().Lines.Count);
        var exception = Assert.Throws<InvalidOperationException>(() => harness.Run(Roomy));
        Assert.Equal("cccc3", exception.Message);
        var expected = $"www.csx:line {harness.StatementLine + 5}";
        Assert.True(exception.StackTrace!.Contains(expected, StringComparison.Ordinal), expected + "\n" + exception.StackTrace + "\n" + harness.Rewritten.GetText());
    }
}
