// api.example.com: a cautious canary, one subnet in a thousand (weights finer than 1% are fine).
// scriptable: fallback=static
static readonly Pool<Answer> Release = Pool.Weighted(
    (Answer.Address("192.0.2.30").WithTtl(60), 99.9),
    (Answer.Address("192.0.2.40").WithTtl(60), 0.1));

if (ctx.Query.Type != DnsType.A) return Answer.Static;
return Release.Sticky(ctx);
