using System.Collections;
using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Collections.ObjectModel;
using System.Globalization;

namespace Scriptable.Engine.Geo;

/// <summary>
/// What one database says about one network, decoded once per distinct record of the database and shared by
/// every query that lands on it. The well-known fields are read from the schemas in use (GeoIP2/GeoLite2
/// City, Country, ASN; ip-location-db's <c>country_code</c>); every other key stays reachable by path.
/// The data is frozen when the record is made (maps, lists and byte strings become immutable copies): one
/// record is handed to every policy and query that lands on it, so none of them may change it.
/// </summary>
internal sealed class GeoRecord
{
    private readonly IReadOnlyDictionary<string, object> _data;

    private GeoRecord(IReadOnlyDictionary<string, object> data)
    {
        _data = data;
        CountryCode = Text("country", "iso_code") ?? Text("country_code");
        ContinentCode = Text("continent", "code") ?? Continents.Of(CountryCode);
        Subdivision = Path("subdivisions/0/iso_code") as string;
        City = Text("city", "names", "en");
        Latitude = Number(Path("location/latitude"));
        Longitude = Number(Path("location/longitude"));
        var radius = Number(Path("location/accuracy_radius"));
        AccuracyRadius = radius is null ? null : (int)radius.Value;
        var asn = Number(Path("autonomous_system_number"));
        Asn = asn is null ? null : (long)asn.Value;
        AsnOrganization = Text("autonomous_system_organization");
    }

    /// <summary>ISO country code.</summary>
    public string? CountryCode { get; }

    /// <summary>Continent code; derived from the country when the database has none.</summary>
    public string? ContinentCode { get; }

    /// <summary>ISO code of the first subdivision.</summary>
    public string? Subdivision { get; }

    /// <summary>English city name.</summary>
    public string? City { get; }

    /// <summary>Latitude in degrees.</summary>
    public double? Latitude { get; }

    /// <summary>Longitude in degrees.</summary>
    public double? Longitude { get; }

    /// <summary>Accuracy radius in km.</summary>
    public int? AccuracyRadius { get; }

    /// <summary>Autonomous system number.</summary>
    public long? Asn { get; }

    /// <summary>Autonomous system organisation.</summary>
    public string? AsnOrganization { get; }

    /// <summary>Decodes a record from the map the MaxMind reader returns (frozen: the map itself is not kept).</summary>
    public static GeoRecord From(IReadOnlyDictionary<string, object> data) => new(FreezeMap(data));

    /// <summary>Decodes a record from a map built in code (frozen: the map itself is not kept).</summary>
    public static GeoRecord From(Dictionary<string, object> data) => new(FreezeMap(data));

    /// <summary>
    /// The value at a path of map keys and array indices separated by <c>/</c>
    /// (<c>country/names/de</c>, <c>subdivisions/0/iso_code</c>), or null. Maps and arrays come back as
    /// read-only dictionaries and lists; numbers as <c>long</c>, <c>ulong</c>, <c>double</c> or
    /// <c>System.Numerics.BigInteger</c>.
    /// </summary>
    public object? Path(string path)
    {
        object? current = _data;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current = current switch
            {
                IReadOnlyDictionary<string, object> map => map.TryGetValue(part, out var next) ? next : null,
                IDictionary map => map.Contains(part) ? map[part] : null,
                IList list when int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < list.Count => list[index],
                _ => null,
            };
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    // Immutable copies all the way down: frozen maps, read-only lists over arrays of their own, byte strings as
    // ImmutableArray<byte>. Strings and boxed numbers cannot be changed by safe code.
    private static FrozenDictionary<string, object> FreezeMap(IEnumerable<KeyValuePair<string, object>> map) =>
        map.ToFrozenDictionary(static kv => kv.Key, static kv => Freeze(kv.Value), StringComparer.Ordinal);

    private static object Freeze(object value) => value switch
    {
        IReadOnlyDictionary<string, object> map => FreezeMap(map),
        IDictionary map => FreezeMap(map.Cast<DictionaryEntry>().Select(static e => KeyValuePair.Create(Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? "", e.Value!))),
        byte[] bytes => ImmutableArray.Create(bytes),
        IList list => new ReadOnlyCollection<object>(list.Cast<object>().Select(Freeze).ToArray()),
        _ => value,
    };

    private string? Text(params string[] keys) => Path(string.Join('/', keys)) as string;

    private static double? Number(object? value) => value switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        uint u => u,
        ulong ul => ul,
        ushort us => us,
        System.Numerics.BigInteger b => (double)b,
        _ => null,
    };
}
