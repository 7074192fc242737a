using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Model;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Transfers;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Tests.Transfers;

/// <summary>
/// The real pipeline with one TSIG key (<c>xfr-key</c>) and example.org transferable by 192.0.2.0/24, in virtual
/// time; queries come from 192.0.2.99, every message of a transfer is returned.
/// </summary>
internal sealed class TransferPipeline
{
    public static readonly TsigKey Key = new(DnsName.Parse("xfr-key."), TsigAlgorithm.HmacSha256, Convert.FromBase64String("q83vRzUytsrm6Tu56WrmGRUBjZVQ+EhZ+Fz2kYU4WJk="));

    private readonly QueryPipeline _pipeline;

    public TransferPipeline(Zone zone, IReadOnlyDictionary<DnsName, ZoneJournal>? journals = null, string allow = "192.0.2.0/24")
    {
        var ring = new TsigKeyRing([Key]);
        Assert.True(TransferAllow.TryParse(allow, ring, out var entry, out var error), error);
        var config = new DnsConfig
        {
            Transfers = new TransferSettings(ring, [KeyValuePair.Create(zone.Origin, new ZoneTransferConfig { Allow = [entry] })]),
        };
        _pipeline = new QueryPipeline(new ServerSnapshot(new ZoneSet([zone]), config, journals: journals), NullLogger.Instance, Time);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));

    public long Now => Time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Every message the query gets (one over UDP; a transfer's all over TCP).</summary>
    public List<byte[]> Run(byte[] query, DnsTransport transport = DnsTransport.Udp, byte[]? client = null)
    {
        var context = _pipeline.CreateContext();
        try
        {
            context.Reset(query, 0, query.Length, transport);
            context.SetClient(client ?? [192, 0, 2, 99], 40000);
            var messages = new List<byte[]>();
            var length = _pipeline.Process(context);
            if (length > 0)
            {
                messages.Add(context.Response.AsSpan(0, length).ToArray());
            }

            while (transport == DnsTransport.Tcp && _pipeline.ContinueTransfer(context) is var next and > 0)
            {
                messages.Add(context.Response.AsSpan(0, next).ToArray());
            }

            return messages;
        }
        finally
        {
            _pipeline.ReleaseContext(context);
        }
    }

    /// <summary><paramref name="query"/> signed with <paramref name="key"/> at <paramref name="time"/>.</summary>
    public static byte[] Sign(byte[] query, TsigKey key, long time)
    {
        var buffer = new byte[query.Length + 200];
        query.CopyTo(buffer, 0);
        var length = TsigCodec.SignRequest(buffer, query.Length, key, time, new byte[64], out _);
        return buffer[..length];
    }
}
