using System.Net;
using Scriptable.Engine.Geo;

namespace Scriptable.Policies;

/// <summary>
/// Where the client is, from the server's geo databases (MaxMind format: GeoIP2/GeoLite2 City, Country, ASN,
/// or any .mmdb), looked up for the EDNS Client Subnet address when the query carries a trusted one, else for
/// the source address. Nothing is looked up until a property is read, and each database at most once per
/// query. A property comes from the first database (in configuration order) that has it. With no database,
/// every property is null and <see cref="IsKnown"/> is false.
/// <para>
/// Reading a property when the address came from ECS makes the answer depend on the database networks
/// consulted: the ECS scope returned becomes their longest prefix (capped by the client's), so a resolver
/// caches the answer for exactly the network it is right for.
/// </para>
/// </summary>
public sealed class GeoInfo
{
    private readonly PolicyContext _context;
    private readonly GeoRecord?[] _records = new GeoRecord?[GeoDatabaseSet.MaxDatabases];
    private readonly int[] _prefixes = new int[GeoDatabaseSet.MaxDatabases];
    private GeoDatabaseSet _set = GeoDatabaseSet.Empty;
    private int _looked;

    internal GeoInfo(PolicyContext context)
    {
        _context = context;
    }

    /// <summary>True if a database knew the address.</summary>
    public bool IsKnown
    {
        get
        {
            for (var i = 0; i < _set.Databases.Count; i++)
            {
                if (At(i) is not null)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>ISO 3166-1 alpha-2 country code (<c>FR</c>), or null.</summary>
    public string? CountryCode => FirstText(static r => r.CountryCode);

    /// <summary>
    /// Continent code: <c>AF AN AS EU NA OC SA</c>, or null. Derived from the country when the database has
    /// countries only.
    /// </summary>
    public string? ContinentCode => FirstText(static r => r.ContinentCode);

    /// <summary>ISO code of the first subdivision (state, region: <c>CA</c>, <c>ENG</c>), or null.</summary>
    public string? Subdivision => FirstText(static r => r.Subdivision);

    /// <summary>The city's English name, or null.</summary>
    public string? City => FirstText(static r => r.City);

    /// <summary>The approximate location, or null.</summary>
    public GeoPoint? Location
    {
        get
        {
            for (var i = 0; i < _set.Databases.Count; i++)
            {
                if (At(i) is { Latitude: { } latitude, Longitude: { } longitude })
                {
                    return new GeoPoint(latitude, longitude);
                }
            }

            return null;
        }
    }

    /// <summary>How far off <see cref="Location"/> may be, in km, or null.</summary>
    public int? AccuracyRadiusKm => FirstValue(static r => r.AccuracyRadius);

    /// <summary>The autonomous system number (from an ASN database), or null.</summary>
    public long? Asn => FirstValue(static r => r.Asn);

    /// <summary>The autonomous system's organisation, or null.</summary>
    public string? AsnOrganization => FirstText(static r => r.AsnOrganization);

    /// <summary>The network of the first database that knew the address, or null.</summary>
    public IPNetwork? Network
    {
        get
        {
            for (var i = 0; i < _set.Databases.Count; i++)
            {
                if (At(i) is not null)
                {
                    return Masked(_prefixes[i]);
                }
            }

            return null;
        }
    }

    /// <summary>
    /// The distance in km from the client to <paramref name="point"/>, or null when the client's location is
    /// unknown.
    /// </summary>
    public double? DistanceKm(GeoPoint point) => Location?.DistanceKm(point);

    /// <summary>
    /// Any value of any database by its path of keys and indices (<c>country/names/de</c>,
    /// <c>subdivisions/0/iso_code</c>, <c>country_code</c>): from the first database that has it, or null.
    /// Strings come back as <c>string</c>, numbers as <c>long</c>, <c>ulong</c> or <c>double</c>, maps and
    /// arrays as read-only dictionaries and lists: one record serves every query that lands on it, so what comes
    /// back cannot be changed.
    /// </summary>
    public object? Value(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        for (var i = 0; i < _set.Databases.Count; i++)
        {
            if (At(i)?.Path(path) is { } value)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>A value of one database, named by its file name without extension (<c>GeoLite2-ASN</c>), or null.</summary>
    public object? Value(string database, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var index = _set.IndexOf(database);
        return index < 0 ? null : At(index)?.Path(path);
    }

    /// <summary>The first database's non-null text for a field.</summary>
    private string? FirstText(Func<GeoRecord, string?> read)
    {
        for (var i = 0; i < _set.Databases.Count; i++)
        {
            if (At(i) is { } record && read(record) is { } value)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The first database's non-null value for a field.</summary>
    private T? FirstValue<T>(Func<GeoRecord, T?> read)
        where T : struct
    {
        for (var i = 0; i < _set.Databases.Count; i++)
        {
            if (At(i) is { } record && read(record) is { } value)
            {
                return value;
            }
        }

        return null;
    }

    internal void Reset(GeoDatabaseSet set)
    {
        Array.Clear(_records, 0, _looked);
        _looked = 0;
        _set = set;
    }

    /// <summary>The record of database <paramref name="index"/>, looking databases up in order as needed.</summary>
    private GeoRecord? At(int index)
    {
        var address = _context.LookupAddress; // the context's thread only
        while (_looked <= index)
        {
            _records[_looked] = _set.Databases[_looked].Lookup(address, out _prefixes[_looked]);
            _looked++;
        }

        _context.DependsOnNetwork(_prefixes[index]);
        return _records[index];
    }

    private IPNetwork Masked(int prefix)
    {
        Span<byte> bytes = stackalloc byte[16];
        var address = _context.LookupAddress;
        address.CopyTo(bytes);
        bytes = bytes[..address.Length];
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit >> 3] &= (byte)~(0x80 >> (bit & 7));
        }

        return new IPNetwork(new IPAddress(bytes), prefix);
    }
}
