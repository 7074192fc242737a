// web.example.com: all four addresses in every answer, rotated by one each time, so clients that
// take the first address spread over the four servers.
static readonly Answer Servers = Answer.Address("192.0.2.11", "192.0.2.12", "192.0.2.13", "192.0.2.14").WithTtl(30).Rotated();

return Servers;
