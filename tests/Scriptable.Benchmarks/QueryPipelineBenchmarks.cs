using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Model;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;
using Scriptable.TestCommon;

namespace Scriptable.Benchmarks;

/// <summary>
/// The hot path without sockets: one query through every stage into a response buffer. The UDP receive
/// loop adds only the two system calls to this.
/// </summary>
[MemoryDiagnoser]
public class QueryPipelineBenchmarks
{
    private QueryPipeline _pipeline = null!;
    private QueryContext _context = null!;
    private byte[] _positive = [];
    private byte[] _positiveEcs = [];
    private byte[] _nxDomain = [];
    private byte[] _wildcard = [];
    private byte[] _refused = [];
    private byte[] _malformed = [];

    [GlobalSetup]
    public void Setup()
    {
        _pipeline = new QueryPipeline(new ServerSnapshot(new ZoneSet([TestZones.Example()]), new DnsConfig()), NullLogger.Instance);
        _context = _pipeline.CreateContext();
        _positive = RawQuery.Build("www.example.org", RecordType.A);
        _positiveEcs = RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(1232, Options: [RawQuery.Ecs("81.2.69.160/27")]));
        _nxDomain = RawQuery.Build("nothing.example.org", RecordType.A, edns: new Edns());
        _wildcard = RawQuery.Build("host-42.wild.example.org", RecordType.A);
        _refused = RawQuery.Build("www.example.net", RecordType.A);
        _malformed = RawQuery.WithCounts(_positive, 2, 0, 0, 0);
    }

    private int Run(byte[] query)
    {
        _context.Reset(query, 0, query.Length, DnsTransport.Udp);
        _context.SetClient([127, 0, 0, 1], 40000);
        return _pipeline.Process(_context);
    }

    [Benchmark(Baseline = true)]
    public int PositiveA() => Run(_positive);

    [Benchmark]
    public int PositiveAWithEcs() => Run(_positiveEcs);

    [Benchmark]
    public int NxDomainWithSoa() => Run(_nxDomain);

    [Benchmark]
    public int Wildcard() => Run(_wildcard);

    [Benchmark]
    public int Refused() => Run(_refused);

    [Benchmark]
    public int FormErr() => Run(_malformed);
}
