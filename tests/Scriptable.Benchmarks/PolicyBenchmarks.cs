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

    /// <summary>
    /// A policy that works on text per query (a label of the name, a concatenation, a split): the framework calls
    /// the budget rewriter guards with a check of their result.
    /// </summary>
    public const string TextSource = """
        static readonly Answer Tagged = Answer.Address("192.0.2.40");
        static readonly Answer Untagged = Answer.Address("192.0.2.41");

        var name = ctx.Query.Name;
        var label = name.Substring(0, name.IndexOf('.'));
        var key = label + "-" + name.Length;
        var parts = name.Split('.');
        return key.Length + parts.Length > 100 ? Untagged : Tagged;
        """;

    private static readonly Answer Tagged = Answer.Address("192.0.2.40");
    private static readonly Answer Untagged = Answer.Address("192.0.2.41");

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
    private PolicyBinding _textBinding = null!;
    private PolicyVersion _sourceOnly = null!;
    private PolicyRunner _runner = null!;
    private byte[] _policyQuery = [];
    private Scriptable.Engine.Containment.PolicyJournal _journal = null!;
    private string _journalFile = "";
    private QueryPipeline _journaledPipeline = null!;
    private QueryContext _journaledContext = null!;
    private QueryContext _journaledQueryContext = null!;
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

    /// <summary><see cref="TextSource"/> as a plain C# method.</summary>
    public static Answer PlainText(PolicyContext ctx)
    {
        var name = ctx.Query.Name;
        var label = name.Substring(0, name.IndexOf('.', StringComparison.Ordinal));
        var key = label + "-" + name.Length;
        var parts = name.Split('.');
        return key.Length + parts.Length > 100 ? Untagged : Tagged;
    }

    [GlobalSetup]
    public void Setup()
    {
        _folder = TempFolder.WithExampleZone(("example.org/geo.csx", Source), ("example.org/text.csx", TextSource));
        _loader = new FolderLoader(_folder.Path);
        var reload = _loader.Reload();
        _binding = reload.Policies.Policies.Bindings.Single(b => b.File.EndsWith("geo.csx", StringComparison.Ordinal));
        _textBinding = reload.Policies.Policies.Bindings.Single(b => b.File.EndsWith("text.csx", StringComparison.Ordinal));
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
        OpenLongScope();
        if (Plain(_context.PolicyContext).ToString() != _binding.Version!.Run(_context.PolicyContext).ToString() || Plain(_context.PolicyContext) != Europe)
        {
            throw new InvalidOperationException("The compiled policy and the plain method disagree.");
        }

        if (PlainText(_context.PolicyContext).ToString() != _textBinding.Version!.Run(_context.PolicyContext).ToString())
        {
            throw new InvalidOperationException("The compiled text policy and the plain method disagree.");
        }

        // The same with the in-flight journal the server keeps (a memory-mapped file): every run writes its slot.
        _journalFile = Path.Combine(_folder.Path + "-journal");
        _journal = Scriptable.Engine.Containment.PolicyJournal.Create(_journalFile, 8);
        _binding.Version.JournalId = _journal.Register(_binding.File, "example.org/geo.csx", _binding.Version.ContentHash, 1)!.Id;
        _journaledPipeline = new QueryPipeline(_pipeline.Snapshot, NullLogger.Instance, journal: _journal);
        _journaledContext = _journaledPipeline.CreateContext();
        _journaledQueryContext = _journaledPipeline.CreateContext();
        _journaledContext.Reset(_policyQuery, 0, _policyQuery.Length, DnsTransport.Udp);
        _journaledContext.SetClient([127, 0, 0, 1], 40000);
        _journaledContext.Snapshot = _pipeline.Snapshot;
        new ParseStage().Invoke(_journaledContext);
        new MatchZoneStage().Invoke(_journaledContext);
        new EnrichStage().Invoke(_journaledContext);

        // The same policy without the IL pass (BudgetWeaver): only the source rewriter's checks.
        var file = Path.Combine(_folder.Path, "example.org", "geo.csx");
        var unwoven = Scriptable.Engine.Policies.Compilation.PolicyCompiler.Compile(file, Source, _folder.Path, _ => null, weave: false);
        _sourceOnly = PolicyVersion.Load(unwoven, file, 1, "unwoven", new PolicySettings(), _context.Zone!.Origin, [])
            ?? throw new InvalidOperationException("The policy without the IL pass does not load.");
    }

    /// <summary>The policy context of the benchmark's query, as the Route stage leaves it (after <see cref="Setup"/>).</summary>
    internal PolicyContext Context => _context.PolicyContext;

    [GlobalCleanup]
    public void Cleanup()
    {
        _loader.Dispose();
        _folder.Dispose();
        File.Delete(_journalFile);
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
        OpenLongScope();
        _context.PolicyContext.Reset(_context, _context.Zone!, null, HealthMap.Empty, TimeProvider.System);
        return _binding.Version!.Run(_context.PolicyContext);
    }

    [Benchmark]
    public Answer PlainTextMethod()
    {
        _context.PolicyContext.Reset(_context, _context.Zone!, null, HealthMap.Empty, TimeProvider.System);
        return PlainText(_context.PolicyContext);
    }

    [Benchmark]
    public Answer CompiledTextPolicy()
    {
        OpenLongScope();
        _context.PolicyContext.Reset(_context, _context.Zone!, null, HealthMap.Empty, TimeProvider.System);
        return _textBinding.Version!.Run(_context.PolicyContext);
    }

    [Benchmark]
    public Answer CompiledPolicyWithoutIlPass()
    {
        OpenLongScope();
        _context.PolicyContext.Reset(_context, _context.Zone!, null, HealthMap.Empty, TimeProvider.System);
        return _sourceOnly.Run(_context.PolicyContext);
    }

    [ThreadStatic]
    private static bool t_longScope;

    // Policy code throws outside a budget scope; the compiled benchmarks measure the delegate alone, so the benchmark
    // thread gets one scope, never ended, that no run can exhaust.
    private static void OpenLongScope()
    {
        if (!t_longScope)
        {
            t_longScope = true;
            _ = Scriptable.Policies.Runtime.Budget.Begin(new Scriptable.Policies.Runtime.BudgetLimits { Time = TimeSpan.FromDays(1), MaxAllocatedBytes = long.MaxValue / 4 });
        }
    }

    [Benchmark]
    public Answer CompiledPolicyInRunner() => _runner.Run(_binding, _context, null);

    [Benchmark]
    public Answer CompiledPolicyInRunnerJournaled() => _runner.Run(_binding, _journaledContext, null);

    [Benchmark]
    public int QueryThroughPolicy() => Process(_policyQuery);

    [Benchmark]
    public int QueryThroughPolicyJournaled()
    {
        _journaledQueryContext.Reset(_policyQuery, 0, _policyQuery.Length, DnsTransport.Udp);
        _journaledQueryContext.SetClient([127, 0, 0, 1], 40000);
        return _journaledPipeline.Process(_journaledQueryContext);
    }

    [Benchmark]
    public int QueryStatic() => Process(_staticQuery);

    private int Process(byte[] query)
    {
        _queryContext.Reset(query, 0, query.Length, DnsTransport.Udp);
        _queryContext.SetClient([127, 0, 0, 1], 40000);
        return _pipeline.Process(_queryContext);
    }
}
