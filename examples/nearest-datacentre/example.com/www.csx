// www.example.com: the nearest healthy data centre to the client (great-circle distance from the
// client's location in a City database); unknown clients get the first one that is up.
static readonly Pool<Answer> DataCentres = Pool.Located(
    (Answer.Address("198.51.100.10").WithTtl(60), "fra", 50.11, 8.68),      // Frankfurt
    (Answer.Address("192.0.2.10").WithTtl(60), "iad", 38.95, -77.45),       // Ashburn, Virginia
    (Answer.Address("203.0.113.10").WithTtl(60), "sin", 1.35, 103.99),      // Singapore
    (Answer.Address("203.0.113.20").WithTtl(60), "gru", -23.43, -46.47)     // São Paulo
).WhenAllDownIgnoreHealth();

if (ctx.Query.Type != DnsType.A) return Answer.NoData;
return DataCentres.Nearest(ctx);
