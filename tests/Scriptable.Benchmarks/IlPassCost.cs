using System.Diagnostics;
using System.Globalization;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Policies.Compilation;
using Scriptable.Engine.Protocol;
using Scriptable.Policies;
using Scriptable.Policies.Runtime;

namespace Scriptable.Benchmarks;

/// <summary>
/// <c>ilpass</c> mode: what the IL pass (<see cref="BudgetWeaver"/>) costs, by minimum over interleaved rounds
/// (robust on a shared, loaded machine where BenchmarkDotNet's means are not): compile time with and without
/// the pass and the pass alone; per call of <see cref="PolicyBenchmarks.Source"/> and of a policy heavy in
/// compiler-written code (records, LINQ query clauses, auto-properties), woven and not, inside one budget scope.
/// </summary>
internal static class IlPassCost
{
    private const string File = "/p/example.org/geo.csx";

    /// <summary>A policy whose work is mostly compiler-written members: record equality and hashing, a query, accessors.</summary>
    public const string CompilerHeavy = """
        record Site(string Name, int Weight) { public bool Up { get; init; } = true; }
        static readonly Site[] Sites = [new("a", 3), new("b", 2), new("c", 1), new("d", 1)];
        var best = (from s in Sites where s.Up let w = s.Weight * 2 orderby w descending select s).First();
        return best == Sites[0] && best.GetHashCode() != 0 ? Answer.Static : Answer.NoData;
        """;

    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 15;
        var output = new List<string>();
        foreach (var (name, source) in new[] { ("geo", PolicyBenchmarks.Source), ("compiler-heavy", CompilerHeavy) })
        {
            // Warm the compiler (its first compile in a process takes seconds).
            PolicyCompiler.Compile(File, source, "/p", _ => null, weave: false);
            var plain = new List<double>();
            var woven = new List<double>();
            var pass = new List<double>();
            CompiledPolicy? lastPlain = null, lastWoven = null;
            for (var i = 0; i < rounds; i++)
            {
                var started = Stopwatch.GetTimestamp();
                lastPlain = PolicyCompiler.Compile(File, source, "/p", _ => null, weave: false);
                plain.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                started = Stopwatch.GetTimestamp();
                lastWoven = PolicyCompiler.Compile(File, source, "/p", _ => null);
                woven.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                started = Stopwatch.GetTimestamp();
                BudgetWeaver.Weave(lastPlain.Assembly!, lastPlain.Pdb!);
                pass.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            output.Add($"{name}: compile without the pass min {plain.Min():0.00} ms median {Median(plain):0.00} ms; with it min {woven.Min():0.00} ms median {Median(woven):0.00} ms; the pass alone min {pass.Min():0.00} ms median {Median(pass):0.00} ms");

            var bench = new PolicyBenchmarks();
            bench.Setup();
            var ctx = bench.Context;
            var plainVersion = PolicyVersion.Load(lastPlain!, File, 1, "plain", new PolicySettings(), DnsName.Root, [])!;
            var wovenVersion = PolicyVersion.Load(lastWoven!, File, 2, "woven", new PolicySettings(), DnsName.Root, [])!;
            var plainCall = new List<double>();
            var wovenCall = new List<double>();
            const int Calls = 200_000;
            for (var i = 0; i < rounds; i++)
            {
                plainCall.Add(PerCall(plainVersion.Run, ctx, Calls));
                wovenCall.Add(PerCall(wovenVersion.Run, ctx, Calls));
            }

            output.Add($"{name}: per call without the pass min {plainCall.Min():0.0} ns median {Median(plainCall):0.0} ns; with it min {wovenCall.Min():0.0} ns median {Median(wovenCall):0.0} ns");
            bench.Cleanup();
        }

        foreach (var line in output)
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    private static double PerCall(Func<PolicyContext, Answer> run, PolicyContext ctx, int calls)
    {
        using var scope = Budget.Begin(new BudgetLimits { Time = TimeSpan.FromMinutes(10), MaxAllocatedBytes = long.MaxValue / 4 });
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            run(ctx);
        }

        return Stopwatch.GetElapsedTime(started).TotalNanoseconds / calls;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
