using BenchmarkDotNet.Running;
using Scriptable.Benchmarks;

if (args.Length > 0 && args[0] == "reload")
{
    return await ReloadLatency.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "ilpass")
{
    return IlPassCost.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "health")
{
    return await HealthLoad.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "health-listen")
{
    return await HealthLoad.ListenAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(QueryPipelineBenchmarks).Assembly).Run(args);
return 0;
