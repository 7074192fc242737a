using BenchmarkDotNet.Running;
using Scriptable.Benchmarks;

if (args.Length > 0 && args[0] == "reload")
{
    return await ReloadLatency.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(QueryPipelineBenchmarks).Assembly).Run(args);
return 0;
