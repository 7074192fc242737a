using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;
using Scriptable.Policies.Runtime;

namespace Scriptable.Engine.Policies.Compilation;

/// <summary>
/// The IL pass over a compiled policy: every method with a body, including everything the compiler wrote
/// (record <c>Equals</c>/<c>GetHashCode</c>/<c>ToString</c>/<c>PrintMembers</c>/<c>==</c>/<c>&lt;Clone&gt;$</c>,
/// closures, iterator and query-clause lambdas, accessors, <c>&lt;PrivateImplementationDetails&gt;</c>), gets a
/// budget check at entry and a <see cref="Budget.Tick"/> before every backward branch. The source rewriter
/// (<see cref="BudgetRewriter"/>) only sees what the user wrote; this pass sees what runs.
/// </summary>
/// <remarks>
/// <para>At entry: <see cref="Budget.Enter"/> (time and stack) in a method that calls anything (<c>call</c>,
/// <c>callvirt</c>, <c>newobj</c>, <c>calli</c>), since only those can recurse; <see cref="Budget.Tick"/> (time)
/// in a leaf, which adds one frame at most but may be called in a loop by framework code
/// (<c>Enumerable.Range(0, int.MaxValue).Select(x =&gt; x)</c>). A body that already starts with
/// <c>Budget.Enter()</c> (the source rewriter's) is left as it is.</para>
/// <para>Instructions are inserted so that nothing else moves: the new call takes over the identity of the
/// instruction it precedes (its branch targets, exception handler boundaries and sequence point) and that
/// instruction's code moves one step down. So a loop back to the start of a try block ticks inside the try, a
/// stop at a method's entry is reported at the method's first line, and the portable PDB keeps mapping every
/// other instruction to its <c>.csx</c> line. Short branches are widened first and shortened again after.</para>
/// </remarks>
internal static class BudgetWeaver
{
    private static readonly string BudgetNamespace = typeof(Budget).Namespace!;

    /// <summary>Returns the instrumented assembly and its portable PDB.</summary>
    public static (byte[] Assembly, byte[] Pdb) Weave(byte[] assembly, byte[] pdb)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(pdb);
        using var peIn = new MemoryStream(assembly, writable: false);
        using var pdbIn = new MemoryStream(pdb, writable: false);
        var read = new ReaderParameters(ReadingMode.Deferred)
        {
            ReadSymbols = true,
            SymbolStream = pdbIn,
            SymbolReaderProvider = new PortablePdbReaderProvider(),
            AssemblyResolver = NoResolver.Instance,
        };
        using var module = ModuleDefinition.ReadModule(peIn, read);
        var (enter, tick) = BudgetMethods(module);
        foreach (var type in module.GetTypes())
        {
            foreach (var method in type.Methods)
            {
                if (method.HasBody)
                {
                    Instrument(method, enter, tick);
                }
            }
        }

        using var peOut = new MemoryStream();
        using var pdbOut = new MemoryStream();
        module.Write(peOut, new WriterParameters
        {
            WriteSymbols = true,
            SymbolStream = pdbOut,
            SymbolWriterProvider = new PortablePdbWriterProvider(),
            DeterministicMvid = true,
        });
        return (peOut.ToArray(), pdbOut.ToArray());
    }

    private static (MethodReference Enter, MethodReference Tick) BudgetMethods(ModuleDefinition module)
    {
        var engine = typeof(Budget).Assembly.GetName();
        var scope = module.AssemblyReferences.FirstOrDefault(r => r.Name == engine.Name);
        if (scope is null)
        {
            scope = new AssemblyNameReference(engine.Name, engine.Version) { PublicKeyToken = engine.GetPublicKeyToken() ?? [] };
            module.AssemblyReferences.Add(scope);
        }

        var budget = new TypeReference(BudgetNamespace, nameof(Budget), module, scope);
        return (new MethodReference(nameof(Budget.Enter), module.TypeSystem.Void, budget),
            new MethodReference(nameof(Budget.Tick), module.TypeSystem.Void, budget));
    }

    private static void Instrument(MethodDefinition method, MethodReference enter, MethodReference tick)
    {
        var body = method.Body;
        var instructions = body.Instructions;
        if (instructions.Count == 0)
        {
            return;
        }

        // Backward branches by the offsets the compiler emitted, before anything moves. A leave back to a
        // loop head counts as much as a br; a switch counts if any of its targets is behind it.
        var backward = new List<Instruction>();
        var calls = false;
        foreach (var instruction in instructions)
        {
            calls |= instruction.OpCode.Code is Code.Call or Code.Callvirt or Code.Newobj or Code.Calli;
            var isBackward = instruction.Operand switch
            {
                Instruction target => target.Offset <= instruction.Offset,
                Instruction[] targets => Array.Exists(targets, t => t.Offset <= instruction.Offset),
                _ => false,
            };
            if (isBackward)
            {
                backward.Add(instruction);
            }
        }

        var startsWithEnter = StartsWithEnter(instructions);
        if (startsWithEnter && backward.Count == 0)
        {
            return;
        }

        body.SimplifyMacros();
        var il = body.GetILProcessor();
        foreach (var branch in backward)
        {
            InsertBefore(il, branch, tick);
        }

        if (!startsWithEnter)
        {
            InsertBefore(il, instructions[0], calls ? enter : tick);
        }

        body.OptimizeMacros();
    }

    // The call takes the place (and so every reference) of `at`, whose code moves to a new instruction after it.
    private static void InsertBefore(ILProcessor il, Instruction at, MethodReference method)
    {
        var moved = il.Create(OpCodes.Nop);
        moved.OpCode = at.OpCode;
        moved.Operand = at.Operand;
        il.InsertAfter(at, moved);
        at.OpCode = OpCodes.Call;
        at.Operand = method;
    }

    private static bool StartsWithEnter(Mono.Collections.Generic.Collection<Instruction> instructions)
    {
        foreach (var instruction in instructions)
        {
            if (instruction.OpCode.Code == Code.Nop)
            {
                continue;
            }

            return instruction.OpCode.Code == Code.Call && instruction.Operand is MethodReference { Name: nameof(Budget.Enter) } called
                && called.DeclaringType.Name == nameof(Budget) && called.DeclaringType.Namespace == BudgetNamespace;
        }

        return false;
    }

    // The pass reads and writes one module and never needs another: resolving one would read files.
    private sealed class NoResolver : IAssemblyResolver
    {
        public static readonly NoResolver Instance = new();

        public AssemblyDefinition Resolve(AssemblyNameReference name) => throw new AssemblyResolutionException(name);

        public AssemblyDefinition Resolve(AssemblyNameReference name, ReaderParameters parameters) => throw new AssemblyResolutionException(name);

        public void Dispose()
        {
        }
    }
}
