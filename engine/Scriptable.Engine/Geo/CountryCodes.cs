namespace Scriptable.Engine.Geo;

/// <summary>
/// What a stated country must be (fixtures' <c>geo: country:</c>, <c>scriptable query --country</c>): an ISO 3166-1
/// alpha-2 code that a geo database can return, in any letter case; anything else is a mistake to report, not
/// a client that no policy branch will ever match.
/// </summary>
internal static class CountryCodes
{
    /// <summary>Null when <paramref name="code"/> is a country code; else what is wrong with it.</summary>
    public static string? Problem(string code)
    {
        if (code.Length == 2 && Continents.Of(code) is not null)
        {
            return null;
        }

        // The one everybody writes: the United Kingdom's ISO code is GB.
        var hint = string.Equals(code, "UK", StringComparison.OrdinalIgnoreCase) ? " (the United Kingdom is GB)" : "";
        return $"'{code}' is not an ISO 3166 country code such as FR or US{hint}";
    }
}
