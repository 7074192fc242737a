using BenchmarkDotNet.Attributes;
using Scriptable.Engine.Policies.Compilation;

namespace Scriptable.Benchmarks;

/// <summary>
/// What compiling a policy costs, with and without the IL pass that budgets compiler-written code
/// (<see cref="BudgetWeaver"/>), and the pass alone on the emitted assembly.
/// </summary>
[MemoryDiagnoser]
public class PolicyCompileBenchmarks
{
    private const string File = "/p/example.org/geo.csx";
    private byte[] _assembly = [];
    private byte[] _pdb = [];

    [GlobalSetup]
    public void Setup()
    {
        var compiled = PolicyCompiler.Compile(File, PolicyBenchmarks.Source, "/p", _ => null, weave: false);
        _assembly = compiled.Assembly ?? throw new InvalidOperationException(string.Join('\n', compiled.Diagnostics));
        _pdb = compiled.Pdb!;
    }

    [Benchmark(Baseline = true)]
    public object CompileWithoutIlPass() => PolicyCompiler.Compile(File, PolicyBenchmarks.Source, "/p", _ => null, weave: false);

    [Benchmark]
    public object Compile() => PolicyCompiler.Compile(File, PolicyBenchmarks.Source, "/p", _ => null);

    [Benchmark]
    public object IlPassOnly() => BudgetWeaver.Weave(_assembly, _pdb);
}
