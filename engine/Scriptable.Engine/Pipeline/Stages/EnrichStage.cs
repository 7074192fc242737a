using System.Net;
using Scriptable.Engine.Configuration;

namespace Scriptable.Engine.Pipeline.Stages;

/// <summary>
/// Enrich: decides where the client is located from (CoreDNS <c>plugin/geoip</c>, its <c>Metadata</c>): the
/// EDNS Client Subnet address when the query carries one with a source prefix above 0 from a trusted client,
/// else the source address. Geo lookups themselves are lazy: a policy that never reads <c>ctx.Geo</c> costs
/// none.
/// </summary>
internal sealed class EnrichStage : QueryStage
{
    /// <inheritdoc />
    public override StageResult Invoke(QueryContext context)
    {
        var ecs = context.Ecs;
        // SOURCE PREFIX-LENGTH 0: the resolver asks for an answer not tailored to its clients (RFC 7871
        // section 7.1.2); the answer may still depend on the resolver itself, and carries scope 0.
        if (ecs.Present && ecs.SourcePrefix > 0 && Trusted(context.Snapshot.Config, context.ClientAddress))
        {
            context.SetLookupAddress(ecs.FullAddress, fromEcs: true);
        }
        else
        {
            context.SetLookupAddress(context.ClientAddress, fromEcs: false);
        }

        return StageResult.Continue;
    }

    private static bool Trusted(DnsConfig config, ReadOnlySpan<byte> client)
    {
        var trusted = config.EcsTrusted;
        if (trusted.Count == 0)
        {
            return true;
        }

        for (var i = 0; i < trusted.Count; i++)
        {
            if (Contains(trusted[i], client))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Prefix match on octets, without an <see cref="IPAddress"/> per query.</summary>
    private static bool Contains(IPNetwork network, ReadOnlySpan<byte> address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!network.BaseAddress.TryWriteBytes(bytes, out var length) || length != address.Length)
        {
            return false;
        }

        var prefix = network.PrefixLength;
        var whole = prefix >> 3;
        if (!address[..whole].SequenceEqual(bytes[..whole]))
        {
            return false;
        }

        var rest = prefix & 7;
        return rest == 0 || ((address[whole] ^ bytes[whole]) & (0xFF << (8 - rest)) & 0xFF) == 0;
    }
}
