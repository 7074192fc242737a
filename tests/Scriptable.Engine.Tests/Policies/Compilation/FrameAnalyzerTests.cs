using Scriptable.Engine.Policies.Compilation;

namespace Scriptable.Engine.Tests.Policies.Compilation;

/// <summary>
/// The compile-time bound on frames: value types too big for a stack (SCR0212) and polymorphic recursion
/// (SCR0213) are rejected at the policy's line; ordinary generic and struct code compiles.
/// </summary>
public sealed class FrameAnalyzerTests
{
    private const string File = "/p/example.org/www.csx";

    // S16 is 1 MiB; S13 128 KiB; S12 64 KiB (the limit).
    private static readonly string Structs = string.Concat(Enumerable.Range(1, 16).Select(i => $"struct S{i} {{ public S{i - 1} A, B; }}\n")) + "struct S0 { public long A, B; }\n";

    private static readonly int StructLines = 17;

    private static List<string> Errors(string text) =>
        [.. PolicyCompiler.Compile(File, text, "/p", _ => null).Diagnostics.Where(d => d.IsError).Select(d => d.ToString())];

    public static TheoryData<string, string, string> Rejected => new()
    {
        { "struct local", Structs + "S13 s = default;\nreturn Answer.Address(\"192.0.2.\" + (s.A.A.A.A.A.A.A.A.A.A.A.A.A.A & 7));", $"www.csx({StructLines + 1},5): error SCR0212: a value of type 'S13' takes 128 KiB" },
        { "struct parameter", Structs + "static long F(S13 s) => s.A.A.A.A.A.A.A.A.A.A.A.A.A.A;\nreturn Answer.Static;", $"www.csx({StructLines + 1},15): error SCR0212: parameter 's' of type 'S13' takes 128 KiB" },
        { "struct field of a class", Structs + "class Holder { public S13 Big; }\nreturn Answer.Static;", $"www.csx({StructLines + 1},27): error SCR0212: field 'Big' of type 'S13'" },
        { "tuple of policy structs", Structs + "(S12, S12) t = default;\nreturn Answer.Static;", "error SCR0212: a value of type '(S12, S12)' takes 128 KiB" },
        { "KeyValuePair of policy structs", Structs + "var kv = new KeyValuePair<S12, S12>();\nreturn Answer.Static;", "error SCR0212: a value of type 'KeyValuePair<S12, S12>'" },
        { "Nullable of a policy struct", Structs + "S13? n = null;\nreturn Answer.Address(\"192.0.2.\" + (n.HasValue ? 1 : 2));", "error SCR0212: a value of type 'Nullable<S13>'" },
        { "inferred nested tuples", "static (T, T) D<T>(T x) => (x, x);\nvar big = D(D(D(D(D(D(D(D(D(D(D(D(D(D(0L))))))))))))));\nreturn Answer.Static;", "www.csx(2,5): error SCR0212: a value of type '" },
        { "the declared struct itself", Structs + "return Answer.Static;", "www.csx(13,1): error SCR0212: the struct 'S13' takes 128 KiB" },
        { "many locals in one body", "struct K0 { public long A, B; }\n" + string.Concat(Enumerable.Range(1, 9).Select(i => $"struct K{i} {{ public K{i - 1} A, B; }}\n")) + string.Concat(Enumerable.Range(0, 130).Select(i => $"K9 k{i} = default; ")) + "\nreturn Answer.Static;", "error SCR0212: this body's locals and temporaries take" },
        { "polymorphic recursion through a tuple", "static int F<T>(T x, int n) => n == 0 ? 0 : F((x, x), n - 1);\nreturn Answer.Static;", "www.csx(1,45): error SCR0213: 'F' reaches itself with the growing type argument '(T, T)'" },
        { "polymorphic recursion through a generic struct", "struct Box<T> { public T V; }\nstatic int F<T>(T x, int n) => n == 0 ? 0 : F(new Box<T> { V = x }, n - 1);\nreturn Answer.Static;", "error SCR0213: 'F' reaches itself with the growing type argument 'Box<T>'" },
        { "polymorphic recursion between two methods", "static int F<T>(T x, int n) => n == 0 ? 0 : G(x, n - 1);\nstatic int G<U>(U y, int n) => F(new[] { y }, n);\nreturn Answer.Static;", "error SCR0213: 'F' reaches itself with the growing type argument 'U[]'" },
        { "polymorphic recursion in a local function", "int L<T>(T x, int n) => n == 0 ? 0 : L(ValueTuple.Create(x, x, x), n - 1);\nreturn Answer.Address(\"192.0.2.\" + L(1, 3));", "error SCR0213: 'L' reaches itself" },
        { "polymorphic recursion of a generic class", "class C<T> { public int Deep(int n) => n == 0 ? 0 : new C<(T, T)>().Deep(n - 1); }\nreturn Answer.Static;", "error SCR0213: 'C' reaches itself with the growing type argument '(T, T)'" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Compile_TooBigOrGrowing_Rejected(string name, string text, string expected)
    {
        var errors = Errors(text);

        Assert.True(errors.Any(e => e.Contains(expected, StringComparison.Ordinal)), name + ":\n" + string.Join('\n', errors));
    }

    public static TheoryData<string, string> Accepted => new()
    {
        { "a 64 KiB struct", "struct S0 { public long A, B; }\n" + string.Concat(Enumerable.Range(1, 12).Select(i => $"struct S{i} {{ public S{i - 1} A, B; }}\n")) + "S12 s = default;\nreturn Answer.Address(\"192.0.2.\" + (s.A.A.A.A.A.A.A.A.A.A.A.A.A & 7));" },
        { "plain recursion of a generic", "static int F<T>(T x, int n) => n == 0 ? 0 : F(x, n - 1);\nreturn Answer.Address(\"192.0.2.\" + F(\"a\", 3));" },
        { "a generic calling another with its own parameter", "static List<T> One<T>(T x) => Wrap(x);\nstatic List<U> Wrap<U>(U y) => new List<U> { y };\nreturn Answer.Address(\"192.0.2.\" + One(3).Count);" },
        { "a recursive generic record", "record Tree<T>(T Value, List<Tree<T>> Children) { public int Size() => 1 + Children.Sum(c => c.Size()); }\nreturn Answer.Address(\"192.0.2.\" + new Tree<int>(1, []).Size());" },
        { "tuples, dictionaries and LINQ", "var d = new Dictionary<string, (int, string)> { [\"a\"] = (1, \"x\") };\nvar pairs = d.Select(kv => new KeyValuePair<string, int>(kv.Key, kv.Value.Item1)).ToList();\nreturn Answer.Address(\"192.0.2.\" + pairs.Count);" },
        { "a generic used at a bigger type once", "static T Id<T>(T x) => x;\nvar t = Id((1, 2));\nreturn Answer.Address(\"192.0.2.\" + t.Item1);" },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Compile_OrdinaryCode_Accepted(string name, string text)
    {
        var errors = Errors(text);

        Assert.True(errors.Count == 0, name + ":\n" + string.Join('\n', errors));
    }
}
