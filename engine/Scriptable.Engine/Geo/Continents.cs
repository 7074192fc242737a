using System.Collections.Frozen;

namespace Scriptable.Engine.Geo;

/// <summary>
/// The continent of each ISO 3166-1 alpha-2 country code, with MaxMind's continent codes (AF, AN, AS, EU,
/// NA, OC, SA), for databases that know the country only (such as ip-location-db's country databases).
/// Transcontinental countries are where MaxMind puts them (Russia and Turkey: EU; Egypt: AF; Kazakhstan:
/// AS; Cyprus, Armenia, Azerbaijan, Georgia: AS).
/// </summary>
internal static class Continents
{
    private static readonly FrozenDictionary<string, string> s_byCountry = Build();

    /// <summary>The continent code of a country code, or null if unknown.</summary>
    public static string? Of(string? countryCode) =>
        countryCode is not null && s_byCountry.TryGetValue(countryCode, out var continent) ? continent : null;

    /// <summary>True for one of MaxMind's continent codes (AF, AN, AS, EU, NA, OC, SA), in any letter case.</summary>
    public static bool IsContinent(string code) =>
        code.ToUpperInvariant() is "AF" or "AN" or "AS" or "EU" or "NA" or "OC" or "SA";

    private static FrozenDictionary<string, string> Build()
    {
        var table = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        void Add(string continent, string countries)
        {
            foreach (var country in countries.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                table[country] = continent;
            }
        }

        Add("AF", "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW");
        Add("AN", "AQ BV GS HM TF");
        Add("AS", "AE AF AM AZ BD BH BN BT CC CN CX CY GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TW UZ VN YE");
        Add("EU", "AD AL AT AX BA BE BG BY CH CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM TR UA VA XK");
        Add("NA", "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX NI PA PM PR SV SX TC TT US VC VG VI");
        Add("OC", "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS");
        Add("SA", "AR BO BR CL CO EC FK GF GY PE PY SR UY VE");
        return table.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
