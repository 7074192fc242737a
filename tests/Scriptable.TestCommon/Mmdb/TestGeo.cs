namespace Scriptable.TestCommon.Mmdb;

/// <summary>
/// Records shaped like real geo databases' (GeoIP2-City, GeoIP2-Country, GeoLite2-ASN, ip-location-db) and
/// <see cref="CityTestLike"/>, a small database with the facts of MaxMind's GeoIP2-City-Test for the addresses tests use.
/// </summary>
public static class TestGeo
{
    private static readonly Dictionary<string, string> ContinentNames = new(StringComparer.Ordinal)
    {
        ["AF"] = "Africa",
        ["AN"] = "Antarctica",
        ["AS"] = "Asia",
        ["EU"] = "Europe",
        ["NA"] = "North America",
        ["OC"] = "Oceania",
        ["SA"] = "South America",
    };

    private static readonly Dictionary<string, string> CountryNames = new(StringComparer.Ordinal)
    {
        ["AR"] = "Argentina",
        ["AU"] = "Australia",
        ["BR"] = "Brazil",
        ["BT"] = "Bhutan",
        ["CA"] = "Canada",
        ["CN"] = "China",
        ["DE"] = "Germany",
        ["ES"] = "Spain",
        ["FR"] = "France",
        ["GB"] = "United Kingdom",
        ["IN"] = "India",
        ["IT"] = "Italy",
        ["JP"] = "Japan",
        ["KE"] = "Kenya",
        ["LY"] = "Libya",
        ["MX"] = "Mexico",
        ["NL"] = "Netherlands",
        ["NZ"] = "New Zealand",
        ["PH"] = "Philippines",
        ["PL"] = "Poland",
        ["RO"] = "Romania",
        ["SE"] = "Sweden",
        ["SG"] = "Singapore",
        ["US"] = "United States",
        ["ZA"] = "South Africa",
    };

    /// <summary>
    /// The 16 addresses of shared/geo/README.md with what GeoIP2-City-Test gives for them; <see cref="CityTestLike"/>
    /// holds exactly these networks. 1.128.0.1 is in no network.
    /// </summary>
    public static IReadOnlyList<CityTestFact> CityTestFacts { get; } =
    [
        new("81.2.69.160", "81.2.69.160/27", "GB", "EU", "London"),
        new("89.160.20.128", "89.160.20.128/25", "SE", "EU", "Linköping"),
        new("2.125.160.216", "2.125.160.216/29", "GB", "EU", "Boxford"),
        new("216.160.83.56", "216.160.83.56/29", "US", "NA", "Milton"),
        new("214.78.120.1", "214.78.120.0/22", "US", "NA", "San Diego"),
        new("149.101.100.1", "149.101.100.0/28", "US", "NA", null),
        new("175.16.199.1", "175.16.199.0/24", "CN", "AS", "Changchun"),
        new("202.196.224.1", "202.196.224.0/20", "PH", "AS", null),
        new("67.43.156.1", "67.43.156.0/24", "BT", "AS", null),
        new("214.0.1.1", "214.0.1.0/24", "AU", "OC", "Melbourne"),
        new("1.128.0.1", null, null, null, null),
        new("2001:480:10::1", "2001:480:10::/48", "US", "NA", "San Diego"),
        new("2a02:d180::1", "2a02:d180::/29", "DE", "EU", null),
        new("2a02:cfc0::1", "2a02:cfc0::/29", "FR", "EU", null),
        new("2001:218::1", "2001:218::/32", "JP", "AS", null),
        new("2a02:e700::1", "2a02:e700::/29", "LY", "AF", null),
    ];

    /// <summary>
    /// A GeoIP2-City record: continent (code, names.en), country (iso_code, names.en), and when given city (names.en),
    /// location (latitude, longitude as double, accuracy_radius as uint16), subdivisions ([{iso_code}]) and
    /// registered_country. English names come from a small table of common codes and are left out for other codes.
    /// </summary>
    public static Dictionary<string, object> City(
        string countryIso,
        string continentCode,
        string? cityName = null,
        double? latitude = null,
        double? longitude = null,
        int? accuracyRadius = null,
        string? subdivisionIso = null,
        string? registeredCountryIso = null)
    {
        var record = Country(countryIso, continentCode, registeredCountryIso);
        if (cityName is not null)
        {
            record["city"] = new Dictionary<string, object> { ["names"] = Names(cityName) };
        }

        var location = new Dictionary<string, object>();
        if (latitude is { } lat)
        {
            location["latitude"] = lat;
        }

        if (longitude is { } lon)
        {
            location["longitude"] = lon;
        }

        if (accuracyRadius is { } radius)
        {
            location["accuracy_radius"] = checked((ushort)radius);
        }

        if (location.Count > 0)
        {
            record["location"] = location;
        }

        if (subdivisionIso is not null)
        {
            record["subdivisions"] = new object[] { new Dictionary<string, object> { ["iso_code"] = subdivisionIso } };
        }

        return record;
    }

    /// <summary>A GeoIP2-Country record: continent (code, names.en), country (iso_code, names.en) and, when given, registered_country.</summary>
    public static Dictionary<string, object> Country(string countryIso, string continentCode, string? registeredCountryIso = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(countryIso);
        ArgumentException.ThrowIfNullOrEmpty(continentCode);
        var continent = new Dictionary<string, object> { ["code"] = continentCode };
        if (ContinentNames.TryGetValue(continentCode, out var continentName))
        {
            continent["names"] = Names(continentName);
        }

        var record = new Dictionary<string, object>
        {
            ["continent"] = continent,
            ["country"] = CountryEntry(countryIso),
        };
        if (registeredCountryIso is not null)
        {
            record["registered_country"] = CountryEntry(registeredCountryIso);
        }

        return record;
    }

    /// <summary>A GeoLite2-ASN record: autonomous_system_number (uint32) and, when given, autonomous_system_organization.</summary>
    public static Dictionary<string, object> Asn(uint number, string? organization = null)
    {
        var record = new Dictionary<string, object> { ["autonomous_system_number"] = number };
        if (organization is not null)
        {
            record["autonomous_system_organization"] = organization;
        }

        return record;
    }

    /// <summary>An ip-location-db country record (e.g. geo-whois-asn-country): { country_code }.</summary>
    public static Dictionary<string, object> CountryCode(string iso)
    {
        ArgumentException.ThrowIfNullOrEmpty(iso);
        return new Dictionary<string, object> { ["country_code"] = iso };
    }

    /// <summary>
    /// A GeoIP2-City database (IPv6, IPv4 in ::/96) with the networks of <see cref="CityTestFacts"/> and their country,
    /// continent, city, location, first subdivision and registered country as in GeoIP2-City-Test.
    /// </summary>
    public static MmdbWriter CityTestLike(int recordSize = 28) =>
        new MmdbWriter(6, recordSize, "GeoIP2-City", "Scriptable test database with facts of GeoIP2-City-Test")
            .Insert("81.2.69.160/27", City("GB", "EU", "London", 51.5142, -0.0931, 100, "ENG", "US"))
            .Insert("89.160.20.128/25", City("SE", "EU", "Linköping", 58.4167, 15.6167, 76, "E", "DE"))
            .Insert("2.125.160.216/29", City("GB", "EU", "Boxford", 51.75, -1.25, 100, "ENG", "FR"))
            .Insert("216.160.83.56/29", City("US", "NA", "Milton", 47.2513, -122.3149, 22, "WA", "GB"))
            .Insert("214.78.120.0/22", City("US", "NA", "San Diego", 32.7405, -117.0935, 100, "CA", "US"))
            .Insert("149.101.100.0/28", City("US", "NA", null, 37.751, -97.822, 1000, null, "GB"))
            .Insert("175.16.199.0/24", City("CN", "AS", "Changchun", 43.88, 125.3228, 100, "22", "CN"))
            .Insert("202.196.224.0/20", City("PH", "AS", null, 13, 122, 121, null, "PH"))
            .Insert("67.43.156.0/24", City("BT", "AS", null, 27.5, 90.5, 534, null, "RO"))
            .Insert("214.0.1.0/24", City("AU", "OC", "Melbourne", -37.8159, 144.9669, 20, "VIC", "AU"))
            .Insert("2001:480:10::/48", City("US", "NA", "San Diego", 32.7203, -117.1552, 20, "CA", "US"))
            .Insert("2a02:d180::/29", City("DE", "EU", null, 51.5, 10.5, 100, null, "DE"))
            .Insert("2a02:cfc0::/29", City("FR", "EU", null, 46, 2, 100, null, "FR"))
            .Insert("2001:218::/32", City("JP", "AS", null, 35.68536, 139.75309, 100, null, "JP"))
            .Insert("2a02:e700::/29", City("LY", "AF", null, 28, 17, 100, null, "LY"));

    private static Dictionary<string, object> CountryEntry(string iso)
    {
        var country = new Dictionary<string, object> { ["iso_code"] = iso };
        if (CountryNames.TryGetValue(iso, out var name))
        {
            country["names"] = Names(name);
        }

        return country;
    }

    private static Dictionary<string, object> Names(string english) => new() { ["en"] = english };
}
