// whoami.example.com TXT: what the server knows about the client asking, as TXT strings:
//   dig @127.0.0.1 -p 5300 whoami.example.com TXT +subnet=81.2.69.160/27
// The answer depends on the client's subnet, so its ECS scope is the subnet's prefix.
if (ctx.Query.Type is not (DnsType.TXT or DnsType.ANY)) return Answer.NoData;

var client = ctx.Client.Network;
var geo = ctx.Geo;
var location = geo.Location is { } point ? $"{point.Latitude:F2},{point.Longitude:F2}" : "unknown";
return Answer.Records(
    $"0 TXT \"client {client}\" \"source {ctx.Client.Address}\"",
    $"0 TXT \"country {geo.CountryCode ?? "unknown"}\" \"continent {geo.ContinentCode ?? "unknown"}\" \"city {geo.City ?? "unknown"}\" \"location {location}\"",
    $"0 TXT \"network {geo.Network?.ToString() ?? "unknown"}\" \"asn {geo.Asn?.ToString() ?? "unknown"}\"");
