using Mono.Cecil;
using Mono.Cecil.Cil;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Policies.Compilation;
using Scriptable.Engine.Protocol;
using Scriptable.Policies.Runtime;

namespace Scriptable.Engine.Tests.Policies.Compilation;

/// <summary>
/// The IL pass over compiled policies: what it inserts, checked on the assembly (nothing runs here), and that
/// lines still map. Runaway compiler-written code is run only in a child process
/// (<c>Scriptable.Server.IntegrationTests/ContainmentServerTests</c>): a regression would end this process.
/// </summary>
public sealed class BudgetWeaverTests
{
    private const string File = "/p/example.org/www.csx";

    // Every kind of compiler-written method: record members, closures, iterators, query clauses, local
    // functions, accessors, anonymous types (from let), a string switch, a static constructor.
    private const string Everything = """
        record Node { public Node? Next { get; set; } public int V { get; init; } }
        record struct Point(int X, int Y);
        static IEnumerable<int> Evens(int n) { for (var i = 0; i < n; i += 2) yield return i; }
        static class Table { public static readonly int[] Values = [1, 2, 3]; }
        var n = new Node { V = 1 }; n.Next = n with { V = 2 };
        var k = 3;
        Func<int, int> add = x => x + k;
        int Local(int x) => x * 2;
        var q = from a in Evens(10) let b = a * 2 from c in Table.Values join d in new[] { 1 } on c equals d orderby b select a + c + add(1) + Local(1);
        var s = ctx.Query.Name.ToString() switch { "a" => 1, "b" => 2, "c" => 3, "d" => 4, "e" => 5, "f" => 6, "g" => 7, _ => 0 };
        return Answer.Address("192.0.2." + ((q.Sum() + s + new Point(1, 2).GetHashCode() + n.GetHashCode()) & 7));
        """;

    private static ModuleDefinition Woven(string text, out CompiledPolicy compiled)
    {
        compiled = PolicyCompiler.Compile(File, text, "/p", _ => null);
        Assert.True(compiled.Succeeded, string.Join('\n', compiled.Diagnostics));
        return ModuleDefinition.ReadModule(new MemoryStream(compiled.Assembly!));
    }

    private static bool IsBudget(Instruction instruction, string name) =>
        instruction.OpCode.Code == Code.Call && instruction.Operand is MethodReference { Name: var called, DeclaringType.Name: nameof(Budget) } && called == name;

    private static IEnumerable<MethodDefinition> Bodies(ModuleDefinition module) =>
        module.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody && m.Body.Instructions.Count > 0);

    [Fact]
    public void Weave_EveryMethod_StartsWithEnterOrTick()
    {
        using var module = Woven(Everything, out _);

        var methods = Bodies(module).ToList();
        Assert.Contains(methods, m => m.DeclaringType.Name == "Node" && m.Name == "GetHashCode");
        Assert.Contains(methods, m => m.DeclaringType.Name == "Node" && m.Name == "op_Equality");
        Assert.Contains(methods, m => m.DeclaringType.Name == "Node" && m.Name == "PrintMembers");
        Assert.Contains(methods, m => m.DeclaringType.Name == "Node" && m.Name == "<Clone>$");
        Assert.Contains(methods, m => m.Name == "MoveNext");
        Assert.Contains(methods, m => m.DeclaringType.Name.Contains("AnonymousType", StringComparison.Ordinal) && m.Name == "Equals");
        foreach (var method in methods)
        {
            var first = method.Body.Instructions.First(i => i.OpCode.Code != Code.Nop);
            Assert.True(IsBudget(first, nameof(Budget.Enter)) || IsBudget(first, nameof(Budget.Tick)), $"{method.FullName} starts with {first}");
        }
    }

    [Fact]
    public void Weave_MethodThatCalls_GetsEnterAndLeafGetsTick()
    {
        using var module = Woven(Everything, out _);

        var hash = Bodies(module).Single(m => m.DeclaringType.Name == "Node" && m.Name == "GetHashCode");
        var getter = Bodies(module).Single(m => m.DeclaringType.Name == "Node" && m.Name == "get_V");
        Assert.True(IsBudget(hash.Body.Instructions[0], nameof(Budget.Enter)));
        Assert.True(IsBudget(getter.Body.Instructions[0], nameof(Budget.Tick)));
    }

    [Fact]
    public void Weave_EveryBackwardBranch_PrecededByTick()
    {
        using var module = Woven(Everything + "\n", out _);

        var checkedBranches = 0;
        foreach (var method in Bodies(module))
        {
            var instructions = method.Body.Instructions;
            for (var i = 0; i < instructions.Count; i++)
            {
                var instruction = instructions[i];
                var backward = instruction.Operand switch
                {
                    Instruction target => target.Offset <= instruction.Offset,
                    Instruction[] targets => targets.Any(t => t.Offset <= instruction.Offset),
                    _ => false,
                };
                if (backward)
                {
                    checkedBranches++;
                    Assert.True(i > 0 && IsBudget(instructions[i - 1], nameof(Budget.Tick)), $"{method.FullName}: {instruction} has no Tick before it");
                }
            }
        }

        Assert.True(checkedBranches > 0);
    }

    [Fact]
    public void Weave_SourceRewriterEnter_NotDoubled()
    {
        using var module = Woven("static int Twice(int x) { return x * 2; }\nreturn Answer.Address(\"192.0.2.\" + Twice(1));", out _);

        var twice = Bodies(module).Single(m => m.Name == "Twice");
        Assert.Single(twice.Body.Instructions, i => IsBudget(i, nameof(Budget.Enter)));
    }

    [Fact]
    public void Run_ExceptionInQueryClause_StackTraceShowsItsLine()
    {
        var compiled = PolicyCompiler.Compile(File, "var q = from x in new[] { 0 }\n        select 10 / x;\nreturn Answer.Address(\"192.0.2.\" + q.Sum());", "/p", _ => null);
        var diagnostics = new List<PolicyDiagnostic>();
        var version = PolicyVersion.Load(compiled, File, 1, "hash", new PolicySettings(), DnsName.Root, diagnostics);
        Assert.NotNull(version);

        var failure = Assert.Throws<DivideByZeroException>(() =>
        {
            using var scope = Budget.Begin(version.Limits);
            version.Run(new Scriptable.Policies.PolicyContext());
        });

        Assert.Equal((File, 2), PolicyVersion.FindUserFrame(failure, File));
        version.Unload();
    }
}
