// pool.example.com: one address per answer, each server in turn, skipping those whose check is down
// (checks named web1..web3 in health.yaml; without it every check counts as up).
static readonly Pool<Answer> Servers = Pool.Of(
    (Answer.Address("192.0.2.21").WithTtl(30), "web1"),
    (Answer.Address("192.0.2.22").WithTtl(30), "web2"),
    (Answer.Address("192.0.2.23").WithTtl(30), "web3")).WhenAllDownIgnoreHealth();

if (ctx.Query.Type != DnsType.A) return Answer.NoData;
return Servers.Next(ctx);
