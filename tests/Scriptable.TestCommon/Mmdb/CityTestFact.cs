namespace Scriptable.TestCommon.Mmdb;

/// <summary>
/// One row of the GeoIP2-City-Test address table (shared/geo/README.md): an address, the most specific network
/// holding it, and what it resolves to; all but <see cref="Address"/> are null for an address that is not found.
/// </summary>
/// <param name="Address">The address looked up.</param>
/// <param name="Network">The database network containing it, in the database's own notation (IPv4 as a.b.c.d/n).</param>
/// <param name="CountryIso">country.iso_code.</param>
/// <param name="ContinentCode">continent.code.</param>
/// <param name="CityName">city.names.en, or null where the database has no city.</param>
public sealed record CityTestFact(string Address, string? Network, string? CountryIso, string? ContinentCode, string? CityName)
{
    /// <summary>The prefix length readers report for the network, IPv4 counted in IPv4 bits.</summary>
    public int? PrefixLength => Network is null ? null : int.Parse(Network.AsSpan(Network.IndexOf('/', StringComparison.Ordinal) + 1), provider: System.Globalization.CultureInfo.InvariantCulture);
}
