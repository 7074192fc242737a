using System.Net;

namespace Scriptable.Policies;

/// <summary>
/// Where the client is, from the server's geo databases (MaxMind format), looked up for the ECS address when
/// the query carries one, else for the source address. Nothing is looked up until a property is read, and
/// at most once per query. With no database configured every property is null and <see cref="IsKnown"/> is
/// false.
/// </summary>
public sealed class GeoInfo
{
    private readonly PolicyContext _context;
    private GeoRecord? _record;
    private bool _looked;

    internal GeoInfo(PolicyContext context)
    {
        _context = context;
    }

    /// <summary>True if a database knew the address.</summary>
    public bool IsKnown => Record is not null;

    /// <summary>ISO 3166-1 alpha-2 country code (<c>FR</c>), or null.</summary>
    public string? CountryCode => Record?.CountryCode;

    /// <summary>Continent code (<c>AF AN AS EU NA OC SA</c>), or null.</summary>
    public string? ContinentCode => Record?.ContinentCode;

    /// <summary>The database network the address matched, or null.</summary>
    public IPNetwork? Network => Record?.Network;

    private GeoRecord? Record
    {
        get
        {
            if (!_looked)
            {
                _looked = true;
                _record = _context.LookupGeo();
            }

            return _record;
        }
    }

    internal void Reset()
    {
        _record = null;
        _looked = false;
    }
}

/// <summary>What the geo databases say about one address.</summary>
/// <param name="CountryCode">ISO country code.</param>
/// <param name="ContinentCode">Continent code.</param>
/// <param name="Network">The database network that matched.</param>
internal sealed record GeoRecord(string? CountryCode, string? ContinentCode, IPNetwork? Network);
