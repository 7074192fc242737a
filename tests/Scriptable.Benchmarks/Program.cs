using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Scriptable.Benchmarks.QueryPipelineBenchmarks).Assembly).Run(args);
