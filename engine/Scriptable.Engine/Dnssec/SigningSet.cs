using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Dnssec;

/// <summary>
/// The signed zones of a snapshot and their keys, found by origin without allocating. A zone is signed iff the key
/// folder holds keys for it (or held them, and they became unreadable: then it is <see cref="ZoneKeys.Broken"/>).
/// Immutable; built by background work and published with the snapshot.
/// </summary>
public sealed class SigningSet
{
    private readonly NameTable<ZoneKeys> _table;

    /// <summary>Creates a set from the keys of each signed zone.</summary>
    public SigningSet(IReadOnlyCollection<ZoneKeys> zones)
    {
        ArgumentNullException.ThrowIfNull(zones);
        Zones = zones;
        _table = new NameTable<ZoneKeys>(zones.Select(z => KeyValuePair.Create(z.Origin, z)));
    }

    /// <summary>No zone is signed.</summary>
    public static SigningSet Empty { get; } = new([]);

    /// <summary>The signed zones.</summary>
    public IReadOnlyCollection<ZoneKeys> Zones { get; }

    /// <summary>True when no zone is signed (one test on the query path).</summary>
    public bool IsEmpty => Zones.Count == 0;

    /// <summary>The keys of the zone <paramref name="origin"/>, or null when it is not signed.</summary>
    public ZoneKeys? Find(DnsName origin) => _table.Find(origin);

    /// <summary>
    /// Reads the key folder for <paramref name="origins"/>: zones with keys are signed; a zone whose key files fail is
    /// broken unless <paramref name="previous"/> signed it, whose keys it then keeps (also when its keys are gone). Zones with keys in the folder that
    /// are not served are ignored. <paramref name="errors"/> gets one line per problem.
    /// </summary>
    public static SigningSet Load(string folder, IEnumerable<DnsName> origins, SigningSet? previous, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var contents = KeyFolder.Load(folder);
        var zones = new List<ZoneKeys>();
        foreach (var origin in origins)
        {
            contents.Keys.TryGetValue(origin, out var keys);
            if (contents.Errors.TryGetValue(origin, out var problems))
            {
                errors.AddRange(problems);
                var kept = previous?.Find(origin);
                zones.Add(kept is { Broken: false } ? kept : new ZoneKeys(origin, [], problems[0]));
                continue;
            }

            if (keys is { Count: > 0 })
            {
                var kept = previous?.Find(origin);
                zones.Add(kept is not null && SameKeys(kept, keys) ? kept : new ZoneKeys(origin, keys));
            }
            else if (previous?.Find(origin) is { } signed)
            {
                // Keys that vanish (a folder removed, a file deleted) do not turn a signed zone into an unsigned one,
                // which every validating resolver would call bogus: it goes on with the keys it had.
                errors.Add($"{folder}: error: the keys of zone '{origin}' are gone from the key folder; it goes on signing with the keys it had");
                zones.Add(signed);
            }
        }

        return new SigningSet(zones);
    }

    private static bool SameKeys(ZoneKeys kept, IReadOnlyList<DnssecKey> keys)
    {
        if (kept.Keys.Count != keys.Count)
        {
            return false;
        }

        for (var i = 0; i < keys.Count; i++)
        {
            if (!kept.Keys[i].DnskeyRData.Equals(keys[i].DnskeyRData))
            {
                return false;
            }
        }

        return true;
    }
}
