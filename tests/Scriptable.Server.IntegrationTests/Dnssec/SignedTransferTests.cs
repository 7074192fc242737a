using Scriptable.Engine.Dnssec;
using Scriptable.Engine.Protocol;
using Scriptable.Server.Configuration;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests.Dnssec;

/// <summary>
/// A zone signed online and also transferred to secondaries: they would get it unsigned and serve answers validating
/// resolvers reject. The server says so when the zone is signed; a zone without secondaries gets no such warning.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SignedTransferTests
{
    private const string ExampleNet = "$ORIGIN example.net.\n@ 300 IN SOA ns hostmaster 1 3600 600 604800 60\n@ 300 IN NS ns\nns 300 IN A 192.0.2.9\n";

    [Fact]
    public async Task SignedZoneWithSecondaries_WarnsTheyWouldServeItUnsigned()
    {
        var keys = Directory.CreateTempSubdirectory("scriptable-keys-").FullName;
        try
        {
            foreach (var zone in new[] { "example.org.", "example.net." })
            {
                using var key = DnssecKey.Create(DnsName.Parse(zone), DnssecKey.KskFlags);
                KeyFolder.Write(keys, key, DateTimeOffset.UtcNow);
            }

            await using var server = await TestServer.StartAsync([("example.org", TempFolder.ExampleZone), ("example.net", ExampleNet)], o =>
            {
                o.Dnssec.Keys = keys;
                o.Zones["example.org"] = new ZoneOptions { Transfer = { Allow = ["127.0.0.1"] } };
            });

            var warning = Assert.Single(server.Logs.Messages, m => m.Contains("is signed online but has secondaries", StringComparison.Ordinal));
            Assert.Contains("Zone 'example.org.'", warning, StringComparison.Ordinal);
            Assert.Contains("validating resolvers reject", warning, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }
}
