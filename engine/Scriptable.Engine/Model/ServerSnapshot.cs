using Scriptable.Engine.Configuration;
using Scriptable.Engine.Geo;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Zones;
using Scriptable.Policies;

namespace Scriptable.Engine.Model;

/// <summary>
/// Everything the query path reads, published as one immutable object by background work (zone loader
/// now; policy compiler, geo and health later). A query reads the snapshot once and uses it throughout,
/// so a reload never changes what a query in flight sees.
/// </summary>
public sealed class ServerSnapshot
{
    /// <summary>Creates a snapshot.</summary>
    public ServerSnapshot(ZoneSet zones, DnsConfig config, PolicySet? policies = null, HealthMap? health = null, GeoDatabaseSet? geo = null,
        Dnssec.SigningSet? dnssec = null, IReadOnlyDictionary<Protocol.DnsName, Transfers.ZoneJournal>? journals = null)
    {
        Journals = journals ?? System.Collections.Frozen.FrozenDictionary<Protocol.DnsName, Transfers.ZoneJournal>.Empty;
        Zones = zones;
        Config = config;
        Policies = policies ?? PolicySet.Empty;
        Health = health ?? HealthMap.Empty;
        Geo = geo ?? GeoDatabaseSet.Empty;
        Dnssec = dnssec ?? Engine.Dnssec.SigningSet.Empty;
    }

    /// <summary>The zones served.</summary>
    public ZoneSet Zones { get; }

    /// <summary>The policies, by name.</summary>
    public PolicySet Policies { get; }

    /// <summary>The signed zones and their keys.</summary>
    public Dnssec.SigningSet Dnssec { get; }

    /// <summary>The geo databases.</summary>
    public GeoDatabaseSet Geo { get; }

    /// <summary>The health of every check.</summary>
    public HealthMap Health { get; }

    /// <summary>Each zone's journal of differences, by origin: what IXFR answers from (Transfers/README.md).</summary>
    public IReadOnlyDictionary<Protocol.DnsName, Transfers.ZoneJournal> Journals { get; }

    /// <summary>Protocol settings.</summary>
    public DnsConfig Config { get; }

    /// <summary>An empty snapshot: every query refused.</summary>
    public static ServerSnapshot Empty { get; } = new(ZoneSet.Empty, new DnsConfig());
}
