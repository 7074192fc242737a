using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Model;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Pipeline.Stages;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Protocol;
using Scriptable.Policies;
using Scriptable.TestCommon;

namespace Scriptable.Benchmarks;

/// <summary>
/// What a policy costs per query: the same logic as a plain C# method (the baseline), as the compiled
/// policy's delegate (budget instrumentation included), through the runner (context reset, budget scope,
/// counters), and a whole query through the pipeline for a policy name and for a static name.
/// </summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    /// <summary>The policy, as users write it: geo-like routing by client subnet with a health-checked pool.</summary>
    public const string Source = """
        static readonly Answer Europe = Answer.Address("198.51.100.20", "2001:db8:20::20").WithTtl(30);
        static readonly Answer America = Answer.Address("192.0.2.10", "2001:db8:10::10").WithTtl(30);
        static readonly Answer Other = Answer.Address("203.0.113.30", "2001:db8:30::30").WithTtl(30);
        static readonly Pool<Answer> EuropeFirst = Pool.Of((Europe, "eu"), (America, "na")).WhenAllDown(Other);
        static readonly IPNetwork[] EuropeanNets = [IPNetwork.Parse("81.2.69.0/24"), IPNetwork.Parse("2a02:ff00::/24")];

        if (ctx.Query.Type is not (DnsType.A or DnsType.AAAA)) return Answer.Static;
        var address = ctx.Client.Network.BaseAddress;
        for (var i = 0; i < EuropeanNets.Length; i++)
        {
            if (EuropeanNets[i].Contains(address)) return EuropeFirst.First(ctx);
        }

        return Other;
        """;

    private static readonly Answer Europe = Answer.Address("198.51.100.20", "2001:db8:20::20").WithTtl(30);
    private static readonly Answer America = Answer.Address("192.0.2.10", "2001:db8:10::10").WithTtl(30);
    private static readonly Answer Other = Answer.Address("203.0.113.30", "2001:db8:30::30").WithTtl(30);
    private static readonly Pool<Answer> EuropeFirst = Pool.Of((Europe, "eu"), (America, "na")).WhenAllDown(Other);
    private static readonly IPNetwork[] EuropeanNets = [IPNetwork.Parse("81.2.69.0/24"), IPNetwork.Parse("2a02:ff00::/24")];

    private TempFolder _folder = null!;
    private FolderLoader _loader = null!;
    private QueryPipeline _pipeline = null!;
    private QueryContext _context = null!;
    private QueryContext _queryContext = null!;
    private PolicyBinding _binding = null!;
    private PolicyRunner _runner = null!;
    private byte[] _policyQuery = [];
    private byte[] _staticQuery = [];

    /// <summary>The same logic as a plain C# method: what the policy would cost without the engine.</summary>
    public static Answer Plain(PolicyContext ctx)
    {
        if (ctx.Query.Type is not (DnsType.A or DnsType.AAAA))
        {
            return Answer.Static;
        }

        var address = ctx.Client.Network.BaseAddress;
        for (var i = 0; i < EuropeanNets.Length; i++)
        {
            if (EuropeanNets[i].Contains(address))
            {
                return EuropeFirst.First(ctx);
            }
        }

        return Other;
    }

    [GlobalSetup]
    public void Setup()
    {
        _folder = TempFolder.WithExampleZone(("example.org/geo.csx", Source));
        _loader = new FolderLoader(_folder.Path);
        var reload = _loader.Reload();
        _binding = reload.Policies.Policies.Bindings.Single();
        _pipeline = new QueryPipeline(new ServerSnapshot(reload.Zones, new DnsConfig(), reload.Policies.Policies), NullLogger.Instance);
        _runner = new PolicyRunner(NullLogger.Instance, TimeProvider.System);
        _context = _pipeline.CreateContext();
        _queryContext = _pipeline.CreateContext();
        _policyQuery = RawQuery.Build("geo.example.org", RecordType.A, edns: new Edns(1232, Options: [RawQuery.Ecs("81.2.69.160/27")]));
        _staticQuery = RawQuery.Build("static.example.org", RecordType.A, edns: new Edns(1232, Options: [RawQuery.Ecs("81.2.69.160/27")]));

        // The context as the Route stage leaves it for the policy.
        _context.Reset(_policyQuery, 0, _policyQuery.Length, DnsTransport.Udp);
        _context.SetClient([127, 0, 0, 1], 40000);
        _context.Snapshot = _pipeline.Snapshot;
        new ParseStage().Invoke(_context);
        new MatchZoneStage().Invoke(_context);
        new EnrichStage().Invoke(_context);
        _context.PolicyContext.Reset(_context, _context.Zone!, null, HealthMap.Empty, TimeProvider.System);
        if (Plain(_context.PolicyContext).ToString() != _binding.Version!.Run(_context.PolicyContext).ToString() || Plain(_context.PolicyContext) != Europe)
        {
            throw new InvalidOperationException("The compiled policy and the plain method disagree.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _loader.Dispose();
        _folder.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Answer PlainMethod()
    {
        _context.PolicyContext.Reset(_context, _context.Zone!, null, HealthMap.Empty, TimeProvider.System);
        return Plain(_context.PolicyContext);
    }

    [Benchmark]
    public Answer CompiledPolicy()
    {
        _context.PolicyContext.Reset(_context, _context.Zone!, null, HealthMap.Empty, TimeProvider.System);
        return _binding.Version!.Run(_context.PolicyContext);
    }

    [Benchmark]
    public Answer CompiledPolicyInRunner() => _runner.Run(_binding, _context, null);

    [Benchmark]
    public int QueryThroughPolicy() => Process(_policyQuery);

    [Benchmark]
    public int QueryStatic() => Process(_staticQuery);

    private int Process(byte[] query)
    {
        _queryContext.Reset(query, 0, query.Length, DnsTransport.Udp);
        _queryContext.SetClient([127, 0, 0, 1], 40000);
        return _pipeline.Process(_queryContext);
    }
}
