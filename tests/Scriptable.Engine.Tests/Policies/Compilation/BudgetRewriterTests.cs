using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Scriptable.Policies.Runtime;
using Xunit.Abstractions;

namespace Scriptable.Engine.Tests.Policies.Compilation;

/// <summary>
/// The budget rewriter on policy code in the generated shape: what it inserts, that the result compiles and
/// behaves as before, and that runaway code stops with the policy's budget exception.
/// </summary>
public class BudgetRewriterTests(ITestOutputHelper output)
{
    private const string B = "global::Scriptable.Policies.Runtime.Budget";
    private const string G = "global::Scriptable.Policies.Runtime.FrameworkGuard";

    // Compiled by the optimizing JIT on the first call, as a hot policy is after tiering.
    private const string Optimized = "[System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    // Limits for runs that must stop on stack or memory: a descheduled test thread must not turn them into Time.
    private static readonly BudgetLimits NoTimeLimit = new() { Time = TimeSpan.FromSeconds(30) };

    public static TheoryData<string, string, string> Instrumented => new()
    {
        { "", "while (true) { }", $"while (true) {{ {B}.Tick(); }}" },
        { "", "var n = 0;\nwhile (n < 3) n++;\nreturn new Answer(n);", $"while (n < 3) {{ {B}.Tick(); n++; }}" },
        { "", "for (;;) { }", $"for (;;) {{ {B}.Tick(); }}" },
        { "", "var n = 0;\ndo n++; while (n < 3);\nreturn new Answer(n);", $"do {{ {B}.Tick(); n++; }} while (n < 3);" },
        { "", "var s = 0;\nforeach (var x in new[] { 1, 2 }) s += x;\nreturn new Answer(s);", $"foreach (var x in new[] {{ 1, 2 }}) {{ {B}.Tick(); s += x; }}" },
        { "", "var s = 0;\nforeach (var (k, v) in new Dictionary<int, int> { [1] = 2 }) { s += k + v; }\nreturn new Answer(s);", $"{{ {B}.Tick(); s += k + v; }}" },
        { "", "var i = 0;\nagain: i++;\nif (i < 3) goto again;\nreturn new Answer(i);", $"if (i < 3) {{ {B}.Tick(); goto again; }}" },
        { "", "var i = 0;\nswitch (i) { case 0: goto case 1; case 1: goto default; default: break; }\nreturn new Answer(i);", $"case 0: {{ {B}.Tick(); goto case 1; }} case 1: {{ {B}.Tick(); goto default; }}" },
        { "static int Pick(int x) => x % 2;", "return new Answer(Pick(3));", $"static int Pick(int x) {{ {B}.Enter(); return x % 2; }}" },
        { "static int Pick(int x) { return x % 2; }", "return new Answer(Pick(3));", $"static int Pick(int x) {{ {B}.Enter(); return x % 2; }}" },
        { "static void Touch(List<int> list) => list.Add(1);", "var l = new List<int>();\nTouch(l);\nreturn new Answer(l.Count);", $"static void Touch(List<int> list) {{ {B}.Enter(); list.Add(1); }}" },
        { "static int Never() => throw new InvalidOperationException();", "return new Answer(1);", $"static int Never() {{ {B}.Enter(); throw new InvalidOperationException(); }}" },
        { "static int P => 1;", "return new Answer(P);", $"static int P {{ get {{ {B}.Enter(); return 1; }} }}" },
        { "class Pool { public int Count { get => 2; set => _ = value; } }", "return new Answer(new Pool().Count);", $"get {{ {B}.Enter(); return 2; }} set {{ {B}.Enter(); _ = value; }}" },
        { "class Grid { public int this[int i] => i * 2; }", "return new Answer(new Grid()[2]);", $"public int this[int i] {{ get {{ {B}.Enter(); return i * 2; }} }}" },
        { "class Node { public Node() { } }", "return new Answer(new Node());", $"public Node() {{ {B}.Enter(); }}" },
        { "class Node { static Node() { } }", "return new Answer(new Node());", $"static Node() {{ {B}.Enter(); }}" },
        { "readonly record struct M(int V) { public static M operator +(M a, M b) => new(a.V + b.V); }", "return new Answer((new M(1) + new M(2)).V);", $"operator +(M a, M b) {{ {B}.Enter(); return new(a.V + b.V); }}" },
        { "readonly record struct M(int V) { public static implicit operator int(M m) => m.V; }", "int v = new M(3);\nreturn new Answer(v);", $"implicit operator int(M m) {{ {B}.Enter(); return m.V; }}" },
        { "", "int Twice(int x) => x * 2;\nreturn new Answer(Twice(2));", $"int Twice(int x) {{ {B}.Enter(); return x * 2; }}" },
        { "", "Func<int, int> f = x => x + 1;\nreturn new Answer(f(1));", $"x => {{ {B}.Enter(); return x + 1; }}" },
        { "", "var sb = new StringBuilder();\nAction<string> add = s => sb.Append(s);\nadd(\"a\");\nreturn new Answer(sb.ToString());", $"s => {{ {B}.Enter(); {G}.Produced(sb.Append(s)); }}" },
        { "", "Func<int, int> f = (x) => { return x + 1; };\nreturn new Answer(f(1));", $"(x) => {{ {B}.Enter(); return x + 1; }}" },
        { "", "Func<int, int> f = delegate (int x) { return x + 1; };\nreturn new Answer(f(1));", $"delegate (int x) {{ {B}.Enter(); return x + 1; }}" },
        { "static readonly Func<int, int> Square = x => x * x;", "return new Answer(Square(3));", $"Square = x => {{ {B}.Enter(); return x * x; }}" },
        { "", "try { return new Answer(1); } catch (Exception e) { return new Answer(e.Message); }", $"catch (Exception e) when ({B}.Ok) {{" },
        { "", "try { return new Answer(1); } catch (FormatException e) when (e.Message.Length > 0) { return new Answer(2); }", $"catch (FormatException e) when ({B}.Ok && (e.Message.Length > 0)) {{" },
        { "", "try { return new Answer(1); } catch { return new Answer(2); }", $"catch when ({B}.Ok) {{" },
        { "", "var n = 4;\nvar b = new byte[n];\nreturn new Answer(b.Length);", $"new byte[{B}.Length<byte>(n)]" },
        { "", "var n = (short)4;\nvar b = new byte[n];\nreturn new Answer(b.Length);", $"new byte[{B}.Length<byte>((int)(n))]" },
        { "", "var b = new string[4L];\nreturn new Answer(b.Length);", $"new string[{B}.Length<string>(4L)]" },
        { "", "var j = new int[3][];\nreturn new Answer(j.Length);", $"new int[{B}.Length<int[]>(3)][]" },
        { "", "var g = new int[2, 3];\nreturn new Answer(g.Length);", $"((int[,]){B}.NewArray<int>(2, 3))" },
        { "", "var g = new int[2, 3UL];\nreturn new Answer(g.Length);", $"((int[,]){B}.NewArray<int>(2, unchecked((long)(3UL))))" },
        { "", "var a = new[] { 1, 2 };\nvar b = new int[2] { 1, 2 };\nreturn new Answer(a.Length + b.Length);", "var a = new[] { 1, 2 };\nvar b = new int[2] { 1, 2 };" },
        { "class Loop { private readonly int _a = 1; public int A => _a; }", "return new Answer(new Loop().A);", $"class Loop {{ private readonly bool __budgetEnter" },
        { "class Chain { public Chain(int n) : this(n + 1, 0) { } public Chain(int n, int d) { } }", "return new Answer(new Chain(1));", $": this(({B}.EnterExpression() ? (n + 1) : default(int)!), 0)" },
        { "", "System.Linq.Expressions.Expression<Func<int, int>> e = x => x + 1;\nreturn new Answer(e.ToString());", "e = x => x + 1;" },
        { "", "var q = from x in new[] { 1, 2, 3 } where x > 1 select x;\nreturn new Answer(q.Count());", $"where {B}.EnterExpression() && (x > 1) select x" },
        { "", "var q = from x in new[] { 1, 2, 3 }.AsQueryable() where x > 1 select x;\nreturn new Answer(q.Count());", "where x > 1 select x" },
        { "", "try { throw new InvalidOperationException(); } finally { while (true) { } }", $"finally {{ if ({B}.Ok | true) {{ while (true) {{ {B}.Tick(); }} }} }}" },
        { "", "var n = 0;\ntry { n = 1; } finally { while (n < 3) n++; }\nreturn new Answer(n);", "finally { while (n < 3) {" },
        { "static int Stuck(out int x) { try { while (true) { } } catch (FormatException) { throw; } finally { x = 1; for (;;) { } } }", "return new Answer(Stuck(out var x) + x);", $"finally {{ if ({B}.Ok | true) {{ x = 1;" },
    };

    public static TheoryData<string, string, string, BudgetKind> Runaway => new()
    {
        { "while(true)", "", "while (true) { }", BudgetKind.Time },
        { "for(;;)", "", "for (;;) { }", BudgetKind.Time },
        { "do-while(true)", "", "do { } while (true);", BudgetKind.Time },
        { "while(true) statement", "", "var n = 0;\nwhile (true) n++;", BudgetKind.Time },
        { "foreach over an infinite iterator", "static IEnumerable<int> Forever() { while (true) yield return 1; }", "foreach (var x in Forever()) { }\nreturn new Answer(0);", BudgetKind.Time },
        { "foreach over a huge framework sequence", "", "var s = 0L;\nforeach (var x in Enumerable.Repeat(1, int.MaxValue)) s += x;\nreturn new Answer(s);", BudgetKind.Time },
        { "LINQ lambda over a huge sequence", "", "return new Answer(Enumerable.Repeat(1, int.MaxValue).Count(x => x > 1));", BudgetKind.Time },
        { "query where over a huge sequence", "", "return new Answer((from x in Enumerable.Repeat(1, int.MaxValue) where x > 1 select x).Count());", BudgetKind.Time },
        { "goto loop", "", "var i = 0;\nagain:\ni++;\nif (i > 0) goto again;\nreturn new Answer(i);", BudgetKind.Time },
        { "goto case loop", "", "var i = 0;\nswitch (i)\n{\n    case 0: goto case 1;\n    case 1: goto case 0;\n}\nreturn new Answer(i);", BudgetKind.Time },
        { "recursion through a static method", "static int Down(int n) => Down(n + 1) + 1;", "return new Answer(Down(0));", BudgetKind.Stack },
        { "recursion through a local function", "", "int Rec(int n) => Rec(n + 1) + 1;\nreturn new Answer(Rec(0));", BudgetKind.Stack },
        { "recursion through a lambda in a Func", "", "Func<int, int> f = null!;\nf = n => f(n + 1) + 1;\nreturn new Answer(f(0));", BudgetKind.Stack },
        { "recursion through an anonymous method", "", "Func<int, int> f = null!;\nf = delegate (int n) { return f(n + 1) + 1; };\nreturn new Answer(f(0));", BudgetKind.Stack },
        { "expression-bodied property", "static int Forever => Forever + 1;", "return new Answer(Forever);", BudgetKind.Stack },
        { "instance getter", "class Pool { public int Count { get => Count + 1; } }", "return new Answer(new Pool().Count);", BudgetKind.Stack },
        { "indexer", "class Grid { public int this[int i] => this[i + 1]; }", "return new Answer(new Grid()[0]);", BudgetKind.Stack },
        { "operator", "readonly record struct M(int V) { public static M operator +(M a, M b) => a + b; }", "return new Answer((new M(1) + new M(2)).V);", BudgetKind.Stack },
        { "constructor chain", "class Node { public Node(int n) : this(n, 0) { } public Node(int n, int depth) { Next = new Node(n + 1); } public Node? Next; }", "return new Answer(new Node(0).Next);", BudgetKind.Stack },
        { "constructor initializer argument", "class Chain { public Chain(int n) : this(new Chain(n + 1).Name) { } public Chain(string? name) { Name = name; } public string? Name; }", "return new Answer(new Chain(0).Name);", BudgetKind.Stack },
        { "field initializer", "class Loop { private readonly Loop _next = new Loop(); public Loop Next => _next; }", "return new Answer(new Loop().Next);", BudgetKind.Stack },
        { "mutual recursion", "static int Ping(int n) => Pong(n + 1);\nstatic int Pong(int n) => Ping(n + 1);", "return new Answer(Ping(0));", BudgetKind.Stack },
        { "recursion that catches", "static int Rec(int n) { try { return Rec(n + 1); } catch { return 0; } }", "return new Answer(Rec(0));", BudgetKind.Stack },
        { "catch (Exception) { }", "", "try { while (true) { } } catch (Exception) { }\nreturn new Answer(0);", BudgetKind.Time },
        { "catch { }", "", "try { while (true) { } } catch { }\nreturn new Answer(0);", BudgetKind.Time },
        { "catch inside the loop", "", "while (true) { try { while (true) { } } catch (Exception) { } }", BudgetKind.Time },
        { "filter that returns true", "", "try { while (true) { } } catch (Exception) when (true) { }\nreturn new Answer(0);", BudgetKind.Time },
        { "catch that wraps", "", "try { while (true) { } } catch (Exception e) { throw new InvalidOperationException(\"swallowed\", e); }", BudgetKind.Time },
        { "finally { while(true) }", "", "try { throw new InvalidOperationException(); } finally { while (true) { } }", BudgetKind.Time },
        { "loop, then a looping finally", "", "try { while (true) { } } finally { while (true) { } }", BudgetKind.Time },
        { "optimized throw, then a looping finally", $"{Optimized} static int Stuck() {{ try {{ throw new InvalidOperationException(); }} finally {{ while (true) {{ }} }} }}", "return new Answer(Stuck());", BudgetKind.Time },
        { "optimized loop, then a looping finally", $"{Optimized} static int Stuck() {{ try {{ while (true) {{ }} }} catch (FormatException) {{ throw; }} finally {{ while (true) {{ }} }} }}", "return new Answer(Stuck());", BudgetKind.Time },
        { "new byte[int.MaxValue]", "", "var b = new byte[int.MaxValue];\nreturn new Answer(b.Length);", BudgetKind.Memory },
        { "new long[1 << 28]", "", "var b = new long[1 << 28];\nreturn new Answer(b.Length);", BudgetKind.Memory },
        { "new object[1 << 28][]", "", "var b = new object[1 << 28][];\nreturn new Answer(b.Length);", BudgetKind.Memory },
        { "new byte[50000, 50000]", "", "var g = new byte[50_000, 50_000];\nreturn new Answer(g.Length);", BudgetKind.Memory },
        { "allocation in a loop", "", "var keep = new List<byte[]>();\nwhile (true) keep.Add(new byte[4096]);", BudgetKind.Memory },
        { "string growing in a loop", "", "var s = \"\";\nwhile (true) s += \"x\";", BudgetKind.Memory },
    };

    // Code that must compile after rewriting and return what it returned before.
    public static TheoryData<string, string> Tricky => new()
    {
        { "static IEnumerable<int> Evens(int limit) { for (var i = 0; i < limit; i += 2) yield return i; }", "return new Answer(Evens(10).Sum());" },
        { "", "IEnumerable<int> Three() { yield return 1; yield return 2; yield return 3; }\nreturn new Answer(Three().Sum());" },
        { "", "Func<int, int> f = x => { int Twice(int y) => y * 2; return Twice(x); };\nreturn new Answer(f(4));" },
        { "", "Func<int, IEnumerable<int>> f = n => { IEnumerable<int> Up() { for (var i = 0; i < n; i++) yield return i; } return Up(); };\nreturn new Answer(f(4).Sum());" },
        { "", "Func<int, int> f = static x => x + 1;\nreturn new Answer(f(1));" },
        { "", "var f = (int x) => x * 2;\nvar g = int (int x) => x * 3;\nvar h = (int x = 2) => x * 4;\nreturn new Answer(f(1) + g(1) + h());" },
        { "", "Func<int, Func<int, int>> add = a => b => a + b;\nreturn new Answer(add(1)(2));" },
        { "", "Func<System.Threading.Tasks.Task<int>> f = async () => await System.Threading.Tasks.Task.FromResult(3);\nFunc<System.Threading.Tasks.Task> g = async () => await System.Threading.Tasks.Task.CompletedTask;\ng().Wait();\nreturn new Answer(f().Result);" },
        { "static async System.Threading.Tasks.Task<int> Later() => await System.Threading.Tasks.Task.FromResult(1);\nstatic async System.Threading.Tasks.Task Done() => await System.Threading.Tasks.Task.CompletedTask;", "Done().Wait();\nreturn new Answer(Later().Result);" },
        { "static int Never() => throw new InvalidOperationException(\"never\");", "Func<int> f = () => throw new InvalidOperationException(\"f\");\nAction a = () => throw new InvalidOperationException(\"a\");\ntry { f(); } catch (InvalidOperationException e) { return new Answer(e.Message); }\nreturn new Answer(0);" },
        { "static int s_value = 4;\nstatic ref int Value() => ref s_value;\nstatic ref int Ref => ref s_value;", "Value() = 5;\nRef += 1;\nreturn new Answer(s_value);" },
        { "", "var sb = new StringBuilder();\nAction<string> add = s => sb.Append(s);\nnew List<string> { \"a\", \"b\" }.ForEach(x => sb.Append(x));\nadd(\"c\");\nreturn new Answer(sb.ToString());" },
        { "", "System.Linq.Expressions.Expression<Func<int, int>> e = x => x + new int[2].Length;\nreturn new Answer(e.Body.ToString());" },
        { "readonly record struct M(int V) { public static M operator +(M a, M b) => new(a.V + b.V); public static implicit operator int(M m) => m.V; public static explicit operator M(int v) => new(v); }", "int v = new M(1) + (M)2;\nreturn new Answer(v);" },
        { "class Acc { public int Total; public void operator +=(int x) => Total += x; }", "var a = new Acc();\na += 3;\nreturn new Answer(a.Total);" },
        { "class Bag { private readonly int[] _items = new int[4]; public int this[int i] { get => _items[i]; set => _items[i] = value; } }", "var b = new Bag();\nb[1] = 7;\nreturn new Answer(b[1]);" },
        { "class Bell { private Action? _ring; public event Action Ring { add => _ring += value; remove => _ring -= value; } public void Fire() => _ring?.Invoke(); }", "var n = 0;\nvar b = new Bell();\nb.Ring += () => n++;\nb.Fire();\nreturn new Answer(n);" },
        { "class Temp { public int Celsius { get => field; set => field = value < -273 ? -273 : value; } public int Size { get; init => field = value * 2; } }", "var t = new Temp { Celsius = -300, Size = 2 };\nreturn new Answer(t.Celsius + t.Size);" },
        { "record Pool(string Name) { public int Weight { get; init; } = 1; public string Label => $\"{Name}:{Weight}\"; }", "var p = new Pool(\"eu\") { Weight = 3 };\nreturn new Answer(p.Label + (p == new Pool(\"eu\") { Weight = 3 }) + p.GetHashCode().Equals(new Pool(\"eu\") { Weight = 3 }.GetHashCode()));" },
        { "record struct Pair(int A) { public int B = A * 2; }\nreadonly struct Cell { public readonly int X = 7; public Cell() { } }\nstruct Plain { public int Y = 1; public Plain(int y) { Y += y; } }", "return new Answer(new Pair(2).B + new Cell().X + new Plain(1).Y);" },
        { "partial class Two { public int A = 1; }\npartial class Two { public int B = 2; }", "var t = new Two();\nreturn new Answer(t.A + t.B);" },
        { "class BaseItem(string name) { public string Name => name; }\nclass Item(int n) : BaseItem(n.ToString(System.Globalization.CultureInfo.InvariantCulture)) { public int Twice { get; } = n * 2; }", "var i = new Item(4);\nreturn new Answer(i.Name + i.Twice);" },
        { "class P { public int Count; public P(params int[] xs) { Count = xs.Length; } public P() : this(1, 2, 3) { } }\nclass Q { public int V; public Q(Func<int> f) { V = f(); } public Q() : this(() => 5) { } }\nclass R { public string? S; public R(string? s) { S = s; } public R() : this(null) { } }\nclass O { public int V; public O(out int x) { x = 1; V = 2; } public O() : this(out var y) { V += y; } }", "return new Answer(new P().Count + new Q().V + (new R().S ?? \"null\") + new O().V);" },
        { "class T2 { public (int A, string B) V; public T2((int A, string B) v) { V = v; } public T2() : this((1, \"x\")) { } }\nclass D : List<int> { public D() : base(new[] { 1, 2 }) { } }\nclass M2 { public int V; public M2(Func<int, int> f) { V = f(2); } public M2() : this(Twice) { } static int Twice(int x) => x * 2; }", "return new Answer(new T2().V.B + new D().Count + new M2().V);" },
        { "static T[] Make<T>(int n) => new T[n];", "return new Answer(Make<string>(3).Length + Make<(int, long)>(2).Length);" },
        { "", "var a = new int[2L, 3];\nvar b = new int[(ulong)2, 3];\nvar c = new int[(nint)4];\nvar d = new int[3u];\nvar e = new int[(nuint)2];\nvar f = new byte[(byte)5];\nvar g = new char['\\u0003'];\nvar h = new int[2, 2, 2, 2][];\nreturn new Answer(a.Length + b.Length + c.Length + d.Length + e.Length + f.Length + g.Length + h.Length);" },
        { "", "var n = 3;\nvar a = checked(new int[n]);\nvar b = unchecked(new long[n, n]);\nvar c = new int[n][][];\nvar d = new int?[n];\nvar e = new (int X, string Y)[n];\nvar f = new List<int>[n];\nreturn new Answer(a.Length + b.Length + c.Length + d.Length + e.Length + f.Length);" },
        { "", "var s = 0;\nswitch (s) { case 0: s = 1; goto case 1; case 1: s += 10; goto default; default: break; }\nvar i = 0;\nagain: i++;\nif (i < 5) goto again;\nreturn new Answer(s + i);" },
        { "", "var s = 0;\nforeach (var (k, v) in new Dictionary<string, int> { [\"a\"] = 1, [\"b\"] = 2 }) s += v;\nfor (int i = 0, j = 10; i < j; i++, j--) s++;\nvar w = 0;\ndo w++; while (w < 3);\nwhile (w < 6) w++;\nreturn new Answer(s + w);" },
        { "", "var q = from x in Enumerable.Range(0, 10) where x % 2 == 0 let y = x * 2 orderby y descending select y;\nreturn new Answer(string.Join(\",\", q));" },
        { "", "var r = 0;\ntry { try { throw new FormatException(\"f\"); } finally { r += 1; } } catch (FormatException e) when (e.Message == \"f\") { r += 10; } catch (Exception) { r += 100; } catch { r += 1000; }\nreturn new Answer(r);" },
        { "class Handle { ~Handle() { } }\nclass Registry { public static readonly List<int> Items; static Registry() { Items = [1, 2]; } }\ninterface IShape { int Area => 0; int Sides() => 4; }\nclass Square : IShape { }", "IShape s = new Square();\nreturn new Answer(Registry.Items.Count + s.Area + s.Sides());" },
        { "class TagsAttribute(params int[] tags) : Attribute { public int[] Tags { get; } = tags; }\n[Tags(new int[] { 1, 2 })] class Tagged { }\n[Obsolete(\"old\")] static int Old(int[]? a = null) => 1;", "return new Answer(1);" },
        { "[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit)] class Overlay { [System.Runtime.InteropServices.FieldOffset(0)] public int A = 1; }\n[System.Runtime.CompilerServices.InlineArray(4)] struct Four { private int _e; }", "var f = new Four();\nf[1] = 2;\nreturn new Answer(new Overlay().A + f[1]);" },
        { "static void Log(StringBuilder sb, params string[] parts) => sb.Append(string.Join(\",\", parts));", "var sb = new StringBuilder();\nLog(sb, \"a\", \"b\");\nreturn new Answer(sb.ToString());" },
        { "static IEnumerable<int> Safe() { int v; try { v = int.Parse(\"x\", System.Globalization.CultureInfo.InvariantCulture); } catch (FormatException) when (v0() > 0) { v = 2; } catch { v = 3; } yield return v; static int v0() => 1; }", "return new Answer(Safe().Single());" },
        { "class Money { public int V; public static Money operator checked +(Money a, Money b) => new() { V = checked(a.V + b.V) }; public static Money operator +(Money a, Money b) => new() { V = a.V + b.V }; }", "var m = new Money { V = 1 } + new Money { V = 2 };\nvar c = checked(m + m);\nreturn new Answer(c.V);" },
        { "", "object o = 5;\nvar d = o switch { int i when i > 3 => new Func<int>(() => i * 2)(), _ => 0 };\nreturn new Answer(d);" },
        { "static int Multi(int x)\n    =>\n    x\n    + 1;", "Func<int, int> f = x =>\n    x\n    + 2;\nreturn new Answer(Multi(1) + f(1));" },
        { "class Lazy2 { private int? _v; public int V => _v ??= Compute(); private static int Compute() { var s = 0; for (var i = 0; i < 4; i++) s += i; return s; } }", "return new Answer(new Lazy2().V);" },
    };

    [Theory]
    [MemberData(nameof(Instrumented))]
    public void Rewrite_UserConstruct_InsertsBudgetCalls(string members, string statements, string expected)
    {
        using var harness = BudgetHarness.Compile(statements, members);
        var text = harness.Rewritten.GetText().ToString();
        Assert.True(text.Contains(expected, StringComparison.Ordinal), "expected: " + expected + "\n--- rewritten ---\n" + text);
        Assert.Empty(harness.NewWarnings);
    }

    [Theory]
    [MemberData(nameof(Runaway))]
    public void Run_RunawayCode_StopsWithBudgetException(string name, string members, string statements, BudgetKind kind)
    {
        using var harness = BudgetHarness.Compile(statements, members);
        var limits = kind == BudgetKind.Time ? BudgetLimits.Default : NoTimeLimit;
        var (exception, elapsed, allocated) = harness.Stop(limits);
        output.WriteLine($"{name}: {exception.Kind} after {elapsed.TotalMilliseconds:F1} ms, {allocated / 1024} KiB allocated: {exception.Message}");
#if DEBUG
        // In a Debug build Budget.Enter is not inlined, so a call in tail position (return Pong(n + 1)) has no
        // address-taken local left in its frame and the JIT may make it a tail call: the recursion then uses no
        // stack, and only the time budget can stop it. NoTimeLimit is 30 s, so this row takes that long.
        if (kind == BudgetKind.Stack && exception.Kind == BudgetKind.Time)
        {
            return;
        }
#endif
        Assert.Equal(kind, exception.Kind);

        // After the IL pass too (more checks, never fewer): still the same kind of stop.
        using var woven = BudgetHarness.Compile(statements, members, weave: true);
        Assert.Equal(kind, woven.Stop(limits).Exception.Kind);
    }

    [Theory]
    [InlineData("static int s_depth;\nstatic int Down(int n) { s_depth = n; return Down(n + 1) + 1; }")]
    [InlineData("static int s_depth;\nstatic int Down(int n) { s_depth = n; var name = n.ToString(System.Globalization.CultureInfo.InvariantCulture); var parts = (name, n * 2, n % 7); return Down(parts.Item2 / 2 + 1) + parts.name.Length + parts.Item3; }")]
    public void Run_UnboundedRecursion_StopsDeeperThanOrdinaryCodeGoes(string members)
    {
        using var harness = BudgetHarness.Compile("return new Answer(Down(0));", members);
        var exception = harness.Stop(NoTimeLimit).Exception;
        var depth = (int)harness.ReadStatic("s_depth")!;
        output.WriteLine($"stopped at depth {depth:N0} under the default 256 KiB: {BudgetLimits.DefaultMaxStackBytes / depth} bytes per frame");
        Assert.Equal(BudgetKind.Stack, exception.Kind);
        Assert.InRange(depth, 1_000, 100_000);
    }

    [Theory]
    [InlineData("var b = new byte[int.MaxValue];\nreturn new Answer(b.Length);")]
    [InlineData("var b = new long[1 << 28];\nreturn new Answer(b.Length);")]
    [InlineData("var b = new int[40_000, 40_000];\nreturn new Answer(b.Length);")]
    public void Run_HugeArray_StoppedBeforeAllocating(string statements)
    {
        using var harness = BudgetHarness.Compile(statements);
        var (exception, _, allocated) = harness.Stop(NoTimeLimit);
        Assert.Equal(BudgetKind.Memory, exception.Kind);
        Assert.Contains("memory budget of 16 MiB (an array of", exception.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1024 * 1024, $"{allocated} bytes allocated");
    }

    [Theory]
    [MemberData(nameof(Tricky))]
    public void Rewrite_TrickyCode_CompilesAndReturnsTheSame(string members, string statements)
    {
        foreach (var nullable in new[] { NullableContextOptions.Enable, NullableContextOptions.Disable })
        {
            using var plain = BudgetHarness.Compile(statements, members, rewrite: false, nullable);
            using var rewritten = BudgetHarness.Compile(statements, members, rewrite: true, nullable);
            Assert.Empty(rewritten.NewWarnings);
            Assert.Equal(plain.RunUnlimited(), rewritten.Run(NoTimeLimit));
            Assert.Equal(plain.RunUnlimited(), rewritten.RunUnlimited());

            // And after the IL pass: valid IL (no InvalidProgramException), the same result.
            using var woven = BudgetHarness.Compile(statements, members, rewrite: true, nullable, weave: true);
            Assert.Equal(plain.RunUnlimited(), woven.Run(NoTimeLimit));
        }
    }

    [Fact]
    public void Run_LegitimatePolicy_SameResultWithinBudget()
    {
        const string members = """
            record Pool(string Name, int Weight);
            static readonly Pool[] Pools = [new("eu", 3), new("us", 2), new("ap", 1)];
            static readonly Func<int, int> Square = x => x * x;
            static IEnumerable<int> Evens(int limit) { for (var i = 0; i < limit; i += 2) yield return i; }
            static int Depth(int n) => n == 0 ? 0 : 1 + Depth(n - 1);
            static int ParseOr(string text, int fallback)
            {
                try { return int.Parse(text, System.Globalization.CultureInfo.InvariantCulture); }
                catch (FormatException) { return fallback; }
            }
            class Counter
            {
                public Counter(int start) : this(start, 1) { }
                public Counter(int start, int step) { Count = start * step; }
                public int Count { get; set; }
            }
            """;
        const string statements = """
            var sum = 0;
            for (var i = 0; i < 10_000; i++) { sum += i % 7; }
            var depth = Depth(100);
            var buffer = new byte[4096];
            var more = new int[256];
            var parsed = ParseOr("not a number", -1) + ParseOr("42", 0);
            var names = Pools.Where(p => p.Weight > 1).Select(p => p.Name).ToList();
            var evens = Evens(100).Sum(Square);
            var counter = new Counter(5) { Count = 7 };
            var grid = new int[3, 4];
            grid[2, 3] = 9;
            var k = 0;
            while (k < 10) { k++; if (k == 5) continue; }
            string Describe(Pool p) => $"{p.Name}:{p.Weight}";
            var described = string.Join(";", Pools.Select(Describe));
            var query = from p in Pools where p.Weight < 3 orderby p.Name select p.Name.ToUpperInvariant();
            return new Answer($"{sum}|{depth}|{buffer.Length + more.Length}|{parsed}|{string.Join(",", names)}|{evens}|{counter.Count}|{grid[2, 3]}|{k}|{described}|{string.Join(",", query)}");
            """;
        using var plain = BudgetHarness.Compile(statements, members, rewrite: false);
        using var rewritten = BudgetHarness.Compile(statements, members);
        var expected = plain.RunUnlimited();
        rewritten.RunUnlimited(); // compiles the methods, as a host does at load time

        // The default stack and memory budgets; time is wall-clock on a shared test machine, so it gets room.
        var result = rewritten.Run(new BudgetLimits { Time = TimeSpan.FromSeconds(5) });

        Assert.Equal(expected, result);
        Assert.Equal("29994|100|4352|41|eu,us|161700|7|9|10|eu:3;us:2;ap:1|AP,US", result);
    }

    [Fact]
    public void Run_AfterStop_NextBeginStartsFresh()
    {
        using var runaway = BudgetHarness.Compile("while (true) { }");
        using var legit = BudgetHarness.Compile("var s = 0;\nfor (var i = 0; i < 1000; i++) s += i;\nreturn new Answer(s);");

        Assert.Equal(BudgetKind.Time, runaway.Stop(BudgetLimits.Default).Exception.Kind);
        Assert.False(Budget.Ok); // no scope now: Ok is false outside one

        Assert.Equal(499500, legit.Run(NoTimeLimit));
        Assert.Equal(BudgetKind.Time, runaway.Stop(BudgetLimits.Default).Exception.Kind);
        Assert.Equal(499500, legit.RunUnlimited());
    }

    [Fact]
    public void Run_TwoThreads_KeepIndependentBudgets()
    {
        using var runaway = BudgetHarness.Compile("while (true) { }");
        using var busy = BudgetHarness.Compile("var s = 0L;\nfor (var i = 0; i < 20_000_000; i++) s += i % 3;\nreturn new Answer(s);");
        Exception? runawayError = null;
        object? busyResult = null;
        using var start = new Barrier(2);
        var a = new Thread(() =>
        {
            start.SignalAndWait();
            runawayError = Record.Exception(() => runaway.Run(new BudgetLimits { Time = TimeSpan.FromMilliseconds(50) }));
        });
        var b = new Thread(() =>
        {
            start.SignalAndWait();
            busyResult = busy.Run(NoTimeLimit);
        });
        a.Start();
        b.Start();
        a.Join();
        b.Join();

        Assert.Equal(BudgetKind.Time, Assert.IsType<BudgetExceededException>(runawayError).Kind);
        Assert.Equal(19_999_999L, busyResult);
    }

    /// <summary>Policy code a host runs without a scope (a bug) stops at its first check instead of running unbudgeted.</summary>
    [Fact]
    public void Run_OutsideAnyScope_ThrowsUnscoped()
    {
        using var harness = BudgetHarness.Compile(
            "var s = 0L;\nwhile (true) s++;",
            "static int Down(int n) => n == 0 ? 0 : 1 + Down(n - 1);");

        Assert.Equal(BudgetKind.Unscoped, Assert.Throws<BudgetExceededException>(harness.RunWithoutScope).Kind);
    }

    [Fact]
    public void Rewrite_HiddenRegions_LeftUntouched()
    {
        using var harness = BudgetHarness.Compile(
            "var s = 0;\nwhile (s < 3) s++;\ntry { s++; } catch { }\nreturn new Answer(s + Pick(1));",
            "static int Pick(int x) => x % 2;");
        var original = harness.Original.GetText().Lines;
        var rewritten = harness.Rewritten.GetText().Lines;

        Assert.Equal(original.Count, rewritten.Count);
        var changed = 0;
        for (var i = 0; i < original.Count; i++)
        {
            var before = original[i].ToString();
            var after = rewritten[i].ToString();
            if (harness.Original.GetLineVisibility(original[i].Start) == LineVisibility.Hidden || before.TrimStart().StartsWith('#'))
            {
                Assert.Equal(before, after);
            }
            else if (before != after)
            {
                changed++;
            }
        }

        Assert.Equal(3, changed);
        Assert.Contains("for (var i = 0; i < n; i++) { s += i; } try { return s; } catch { return -1; }", harness.Rewritten.GetText().ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "var x = 1;\nthrow new InvalidOperationException(\"boom \" + x);", 1)]
    [InlineData("", "for (var i = 0; i < 3; i++)\n{\n    if (i == 2) throw new InvalidOperationException(\"loop\");\n}\nreturn new Answer(0);", 2)]
    [InlineData("", "Func<int, int> f = x =>\n    x > 1\n        ? throw new InvalidOperationException(\"lambda\")\n        : x;\nreturn new Answer(f(2));", 1)]
    public void Run_UserException_StackTraceHasCsxLine(string members, string statements, int lineInStatements)
    {
        using var harness = BudgetHarness.Compile(statements, members);
        var exception = Assert.Throws<InvalidOperationException>(() => harness.Run(NoTimeLimit));
        var expected = $"www.csx:line {harness.StatementLine + lineInStatements}";
        Assert.True(exception.StackTrace!.Contains(expected, StringComparison.Ordinal), expected + "\n" + exception.StackTrace);
    }

    [Fact]
    public void Run_ExceptionInRewrittenMember_StackTraceHasCsxLine()
    {
        using var harness = BudgetHarness.Compile(
            "return new Answer(Fail(1));",
            "static int Pad => 0;\nstatic int Fail(int n) =>\n    n > 0 ? throw new InvalidOperationException(\"member\") : n;");
        var exception = Assert.Throws<InvalidOperationException>(() => harness.Run(NoTimeLimit));
        Assert.True(exception.StackTrace!.Contains("www.csx:line 3", StringComparison.Ordinal), exception.StackTrace);
    }

    [Fact]
    public void Run_Stop_StackTraceShowsTheLoopLine()
    {
        using var harness = BudgetHarness.Compile("var n = 0;\nn++;\nwhile (n > 0) { n++; }\nreturn new Answer(n);");
        var exception = harness.Stop(BudgetLimits.Default).Exception;
        var expected = $"www.csx:line {harness.StatementLine + 2}";
        Assert.True(exception.StackTrace!.Contains(expected, StringComparison.Ordinal), expected + "\n" + exception.StackTrace);
    }

    [Fact]
    public void Rewrite_KeepsEncodingPathAndOptions()
    {
        using var harness = BudgetHarness.Compile("while (true) { }");
        Assert.Equal(harness.Original.FilePath, harness.Rewritten.FilePath);
        Assert.Equal(harness.Original.Encoding, harness.Rewritten.Encoding);
        Assert.Equal(harness.Original.Options, harness.Rewritten.Options);
    }
}
