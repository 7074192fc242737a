// cdn.example.com: clients of the access networks (ASNs) that host one of our caches get that
// cache; everyone else the public anycast address. Needs an ASN database (GeoLite2-ASN).
static readonly Dictionary<long, Answer> CacheByAsn = new()
{
    [64496] = Answer.Address("198.51.100.101").WithTtl(120),   // a cache inside AS64496's network
    [64497] = Answer.Address("198.51.100.102").WithTtl(120),
    [64498] = Answer.Address("198.51.100.102").WithTtl(120),   // two ISPs share one cache
};
static readonly Answer Anycast = Answer.Address("192.0.2.100").WithTtl(120);

if (ctx.Query.Type != DnsType.A) return Answer.NoData;
return ctx.Geo.Asn is { } asn && CacheByAsn.TryGetValue(asn, out var cache) ? cache : Anycast;
