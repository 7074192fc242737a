using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Geo;
using Scriptable.Engine.Model;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;

namespace Scriptable.Benchmarks;

/// <summary>
/// The geo path: a database lookup alone, and whole queries of the geo-failover example (the policy reads
/// the continent and the health of "eu") with ECS, next to a static answer of the same zone.
/// </summary>
[MemoryDiagnoser]
public class GeoBenchmarks
{
    private TempFolder _folder = null!;
    private FolderLoader _loader = null!;
    private GeoDatabase _database = null!;
    private QueryPipeline _pipeline = null!;
    private QueryContext _context = null!;
    private byte[] _geoQuery = [];
    private byte[] _staticQuery = [];
    private readonly byte[] _address = [81, 2, 69, 160];

    [GlobalSetup]
    public void Setup()
    {
        _folder = new TempFolder();
        var example = RepositoryPaths.Combine("examples", "geo-failover", "example.com");
        _folder.Write("example.com/example.com.zone", File.ReadAllText(Path.Combine(example, "example.com.zone")));
        _folder.Write("example.com/www.csx", File.ReadAllText(Path.Combine(example, "www.csx")));
        Directory.CreateDirectory(Path.Combine(_folder.Path, "_geo"));
        TestGeo.CityTestLike().Write(Path.Combine(_folder.Path, "_geo", "city.mmdb"));
        _loader = new FolderLoader(_folder.Path);
        var reload = _loader.Reload();
        _database = (GeoDatabase)reload.Geo.Databases.Databases[0];
        _pipeline = new QueryPipeline(new ServerSnapshot(reload.Zones, new DnsConfig(), reload.Policies.Policies, geo: reload.Geo.Databases), NullLogger.Instance);
        _context = _pipeline.CreateContext();
        _geoQuery = RawQuery.Build("www.example.com", RecordType.A, edns: new Edns(1232, Options: [RawQuery.Ecs("81.2.69.160/27")]));
        _staticQuery = RawQuery.Build("static.example.com", RecordType.A, edns: new Edns(1232, Options: [RawQuery.Ecs("81.2.69.160/27")]));
        if (Process(_geoQuery) == 0 || !_context.Response.AsSpan(0, 200).ToArray().AsSpan().ContainsAny((byte)198, (byte)51))
        {
            throw new InvalidOperationException("The geo query did not answer Europe.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _loader.Dispose();
        _folder.Dispose();
    }

    [Benchmark]
    public int GeoLookup() => _database.Lookup(_address, out var prefix) is null ? -1 : prefix;

    [Benchmark(Baseline = true)]
    public int QueryStatic() => Process(_staticQuery);

    [Benchmark]
    public int QueryGeoPolicy() => Process(_geoQuery);

    private int Process(byte[] query)
    {
        _context.Reset(query, 0, query.Length, DnsTransport.Udp);
        _context.SetClient([127, 0, 0, 1], 40000);
        return _pipeline.Process(_context);
    }
}
