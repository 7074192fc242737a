using System.Collections.Frozen;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Transfers;

/// <summary>The TSIG keys and every zone's transfer settings: immutable, part of the snapshot's <see cref="Configuration.DnsConfig"/>.</summary>
public sealed class TransferSettings
{
    private readonly FrozenDictionary<DnsName, ZoneTransferConfig> _zones;

    /// <summary>Creates the settings.</summary>
    public TransferSettings(TsigKeyRing keys, IEnumerable<KeyValuePair<DnsName, ZoneTransferConfig>> zones)
    {
        Keys = keys;
        _zones = zones.ToFrozenDictionary();
    }

    /// <summary>No keys, no transfers.</summary>
    public static TransferSettings None { get; } = new(TsigKeyRing.Empty, []);

    /// <summary>The TSIG keys signed queries are verified with.</summary>
    public TsigKeyRing Keys { get; }

    /// <summary>The configured zones.</summary>
    public IEnumerable<KeyValuePair<DnsName, ZoneTransferConfig>> Zones => _zones;

    /// <summary>The settings of the zone <paramref name="origin"/> (<see cref="ZoneTransferConfig.None"/> when not configured).</summary>
    public ZoneTransferConfig For(DnsName origin) => _zones.GetValueOrDefault(origin, ZoneTransferConfig.None);
}
