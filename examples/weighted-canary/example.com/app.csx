// app.example.com: 1% of client subnets get the new release, always the same ones.
// scriptable: fallback=static
static readonly Answer Stable = Answer.Address("192.0.2.10", "2001:db8::10").WithTtl(60);
static readonly Answer Canary = Answer.Address("192.0.2.20", "2001:db8::20").WithTtl(60);
static readonly Pool<Answer> Release = Pool.Weighted((Stable, 99.0), (Canary, 1.0));

if (ctx.Query.Type is not (DnsType.A or DnsType.AAAA)) return Answer.Static;
return Release.Sticky(ctx);
