namespace Scriptable.Engine.Geo;

/// <summary>
/// Facts stated for a test: every address is where <see cref="GeoFacts"/> says, in a network of
/// <see cref="GeoFacts.Network"/>'s prefix length (or the address's own full length when none is given).
/// </summary>
public sealed class StatedGeo : GeoSource
{
    private readonly GeoRecord _record;
    private readonly int? _prefix;

    /// <summary>Creates a source answering <paramref name="facts"/> for every address.</summary>
    public StatedGeo(GeoFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        Facts = facts;
        _record = GeoRecord.From(facts.ToRecord());
        _prefix = facts.Network is { } network ? System.Net.IPNetwork.Parse(network).PrefixLength : null;
    }

    /// <summary>The facts.</summary>
    public GeoFacts Facts { get; }

    /// <inheritdoc />
    public override string Name => "stated";

    /// <inheritdoc />
    internal override GeoRecord? Lookup(ReadOnlySpan<byte> address, out int prefixLength)
    {
        prefixLength = Math.Min(_prefix ?? address.Length * 8, address.Length * 8);
        return _record;
    }
}

/// <summary>Where a client is, stated directly (tests, fixtures, <c>scriptable query</c>).</summary>
/// <param name="Country">ISO country code.</param>
/// <param name="Continent">Continent code; derived from the country when omitted.</param>
/// <param name="City">City name.</param>
/// <param name="Subdivision">ISO subdivision code.</param>
/// <param name="Latitude">Latitude.</param>
/// <param name="Longitude">Longitude.</param>
/// <param name="Asn">Autonomous system number.</param>
/// <param name="AsnOrganization">Its organisation.</param>
/// <param name="Network">The database network the facts hold for (its prefix becomes the ECS scope), such as <c>81.2.69.160/27</c>.</param>
public sealed record GeoFacts(
    string? Country = null,
    string? Continent = null,
    string? City = null,
    string? Subdivision = null,
    double? Latitude = null,
    double? Longitude = null,
    long? Asn = null,
    string? AsnOrganization = null,
    string? Network = null)
{
    /// <summary>The facts as a GeoIP2-City-like record map (what <see cref="GeoRecord"/> reads).</summary>
    internal Dictionary<string, object> ToRecord()
    {
        static Dictionary<string, object> Names(string name) => new(StringComparer.Ordinal) { ["en"] = name };
        var record = new Dictionary<string, object>(StringComparer.Ordinal);
        if (Country is not null)
        {
            record["country"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["iso_code"] = Country };
        }

        if (Continent is not null)
        {
            record["continent"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["code"] = Continent };
        }

        if (City is not null)
        {
            record["city"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["names"] = Names(City) };
        }

        if (Subdivision is not null)
        {
            record["subdivisions"] = new List<object> { new Dictionary<string, object>(StringComparer.Ordinal) { ["iso_code"] = Subdivision } };
        }

        if (Latitude is not null && Longitude is not null)
        {
            record["location"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["latitude"] = Latitude.Value, ["longitude"] = Longitude.Value };
        }

        if (Asn is not null)
        {
            record["autonomous_system_number"] = Asn.Value;
        }

        if (AsnOrganization is not null)
        {
            record["autonomous_system_organization"] = AsnOrganization;
        }

        return record;
    }
}
