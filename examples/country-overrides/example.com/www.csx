// www.example.com: by continent, with a list of countries that get their own answer (a local
// partner, a legal requirement, a data centre closer than the continent's).
static readonly Dictionary<string, Answer> ByCountry = new(StringComparer.Ordinal)
{
    ["CN"] = Answer.Address("203.0.113.80").WithTtl(300),   // served by a partner in China
    ["RU"] = Answer.Address("203.0.113.81").WithTtl(300),
    ["BR"] = Answer.Address("203.0.113.82").WithTtl(300),   // São Paulo rather than North America
};
static readonly Dictionary<string, Answer> ByContinent = new(StringComparer.Ordinal)
{
    ["EU"] = Answer.Address("198.51.100.20").WithTtl(300),
    ["NA"] = Answer.Address("192.0.2.10").WithTtl(300),
    ["SA"] = Answer.Address("192.0.2.10").WithTtl(300),
};
static readonly Answer Elsewhere = Answer.Address("203.0.113.30").WithTtl(300);

if (ctx.Query.Type != DnsType.A) return Answer.NoData;
if (ctx.Geo.CountryCode is { } country && ByCountry.TryGetValue(country, out var special))
{
    ctx.Note($"{country} is on the override list");   // shown by scriptable query and failing fixtures only
    return special;
}

return ctx.Geo.ContinentCode is { } continent && ByContinent.TryGetValue(continent, out var regional) ? regional : Elsewhere;
