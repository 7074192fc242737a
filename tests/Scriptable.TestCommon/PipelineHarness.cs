using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Model;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Zones;

namespace Scriptable.TestCommon;

/// <summary>Runs queries through the real pipeline in-process, without sockets.</summary>
public sealed class PipelineHarness
{
    private readonly QueryPipeline _pipeline;
    private readonly QueryContext _context;

    /// <summary>A pipeline serving <paramref name="zones"/>.</summary>
    public PipelineHarness(DnsConfig? config = null, params Zone[] zones)
    {
        _pipeline = new QueryPipeline(new ServerSnapshot(new ZoneSet(zones), config ?? new DnsConfig()), NullLogger.Instance);
        _context = _pipeline.CreateContext();
    }

    /// <summary>A pipeline serving <paramref name="snapshot"/> (signed zones, policies) on <paramref name="time"/>'s clock.</summary>
    public PipelineHarness(ServerSnapshot snapshot, TimeProvider? time = null, Scriptable.Engine.Dnssec.SignatureCache? signatures = null)
    {
        _pipeline = new QueryPipeline(snapshot, NullLogger.Instance, time, signatures: signatures);
        _context = _pipeline.CreateContext();
    }

    /// <summary>The cache of signatures the pipeline made.</summary>
    public Scriptable.Engine.Dnssec.SignatureCache Signatures => _pipeline.Signatures;

    /// <summary>Signatures served from the cache, and not.</summary>
    public (long Hits, long Misses) SignatureLookups => (_pipeline.Sum(c => c.SignatureHits), _pipeline.Sum(c => c.SignatureMisses));

    /// <summary>A pipeline serving the example.org test zone.</summary>
    public static PipelineHarness Example() => new(null, TestZones.Example());

    /// <summary>Answers a packet; returns null if the pipeline sends nothing.</summary>
    public byte[]? Run(byte[] query, DnsTransport transport = DnsTransport.Udp)
    {
        _context.Reset(query, 0, query.Length, transport);
        _context.SetClient([192, 0, 2, 99], 40000);
        var length = _pipeline.Process(_context);
        return length == 0 ? null : _context.Response.AsSpan(0, length).ToArray();
    }

    /// <summary>The pipeline under test.</summary>
    internal QueryPipeline Pipeline => _pipeline;

    /// <summary>Queries whose processing threw (each answered SERVFAIL).</summary>
    public long Failures => _pipeline.Sum(c => c.Failures);
}
