// www.example.com: the primary site while it is healthy, else the secondary, else the static
// "sorry" address of the zone file.
static readonly Pool<Answer> Sites = Pool.Of(
    (Answer.Address("192.0.2.10").WithTtl(30), "primary"),
    (Answer.Address("198.51.100.10").WithTtl(30), "secondary")).WhenAllDown(Answer.Static);

if (ctx.Query.Type != DnsType.A) return Answer.Static;
return Sites.First(ctx);
