// www.example.com: A and AAAA come from different server pools (the IPv6 front ends are newer and
// fewer), and clients whose subnet is IPv6 are sent the IPv6 pool's addresses only, with a short
// TTL while the rollout is watched.
static readonly Answer V4 = Answer.Address("192.0.2.70", "192.0.2.71", "192.0.2.72").WithTtl(300).Shuffled();
static readonly Answer V6 = Answer.Address("2001:db8:6::70", "2001:db8:6::71").WithTtl(60).Shuffled();

return ctx.Query.Type switch
{
    DnsType.A => ctx.Client.Network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? Answer.NoData : V4,
    DnsType.AAAA => V6,
    _ => Answer.NoData,
};
