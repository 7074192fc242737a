// canary.example.com: a release in progress. One client subnet in a hundred gets the new
// release (192.0.2.20), always the same subnets (sticky: weighted rendezvous hashing over the
// EDNS Client Subnet, else the resolver's address), so users do not flip between versions.
// Raise the weight to widen the canary: subnets already on it stay on it.
static readonly Pool<Answer> Release = Pool.Weighted(
    (Answer.Address("192.0.2.10", "2001:db8:10::10").WithTtl(60), 99.0),
    (Answer.Address("192.0.2.20", "2001:db8:20::20").WithTtl(60), 1.0));

if (ctx.Query.Type is not (DnsType.A or DnsType.AAAA)) return Answer.Static;
return Release.Sticky(ctx);
