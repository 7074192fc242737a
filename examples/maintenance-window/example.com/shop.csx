// shop.example.com: during the weekly maintenance window (Sundays 02:00-04:00 UTC) the shop is an
// alias of the maintenance page; otherwise the shop's servers. ctx.Now is the only clock a policy
// reads, so fixtures can set it.
static readonly Answer Shop = Answer.Address("192.0.2.60", "192.0.2.61").WithTtl(60);
static readonly Answer Maintenance = Answer.Cname("maintenance.example.com.").WithTtl(60);

static bool InWindow(DateTimeOffset now) => now.DayOfWeek == DayOfWeek.Sunday && now.Hour is >= 2 and < 4;

if (ctx.Query.Type is not (DnsType.A or DnsType.CNAME)) return Answer.NoData;
return InWindow(ctx.Now) ? Maintenance : Shop;
