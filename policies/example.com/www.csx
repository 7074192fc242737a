// www.example.com: send each client to its continent's data centre, failing Europe over to
// North America when Europe's health check fails.
// scriptable: fallback=static
static readonly Answer NorthAmerica = Answer.Address("192.0.2.10", "2001:db8:10::10").WithTtl(30);
static readonly Answer Europe = Answer.Address("198.51.100.20", "2001:db8:20::20").WithTtl(30);
static readonly Answer Elsewhere = Answer.Address("203.0.113.30", "2001:db8:30::30").WithTtl(30);

// Europe while its check "eu" passes, else North America; with both down, Europe all the same.
static readonly Pool<Answer> EuropeFirst = Pool.Of((Europe, "eu"), (NorthAmerica, "na")).WhenAllDown(Europe);

if (ctx.Query.Type is not (DnsType.A or DnsType.AAAA)) return Answer.Static;

return ctx.Geo.ContinentCode switch
{
    "NA" => NorthAmerica,
    "EU" => EuropeFirst.First(ctx),
    _ => Elsewhere,
};
