using Scriptable.Engine.Dnssec;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;
using RecordType = Scriptable.Engine.Protocol.RecordType;

namespace Scriptable.Server.IntegrationTests.Dnssec;

/// <summary>
/// A signed zone whose keys cannot be read is never served unsigned: at startup it answers SERVFAIL (logged, with the
/// fix) while the other zones serve; once the key is readable a reload signs it; a reload after the keys vanish keeps
/// signing with the keys it had.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KeyFailureTests
{
    private const string ExampleNet = "$ORIGIN example.net.\n@ 300 IN SOA ns hostmaster 1 3600 600 604800 60\n@ 300 IN NS ns\nns 300 IN A 192.0.2.9\n";

    [Fact]
    public async Task UnreadableKeyAtStartup_ServFailForThatZone_ThenSignedAfterTheFix()
    {
        var keys = Directory.CreateTempSubdirectory("scriptable-keys-").FullName;
        try
        {
            using var key = DnssecKey.Create(DnsName.Parse("example.org."), DnssecKey.KskFlags);
            var file = KeyFolder.Write(keys, key, DateTimeOffset.UtcNow);
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

            await using var server = await TestServer.StartAsync([("example.org", TempFolder.ExampleZone), ("example.net", ExampleNet)], o => o.Dnssec.Keys = keys);
            Assert.Contains(server.Logs.Messages, m => m.Contains($"only its owner may: chmod 600 {file}", StringComparison.Ordinal));
            Assert.Contains(server.Logs.Messages, m => m.Contains("Zone 'example.org.' is signed but none of its keys could be read", StringComparison.Ordinal));
            Assert.Equal(ResponseCode.ServFail, Responses.HeaderRcode((await DnsWire.UdpAsync(server.Udp, RawQuery.Build("www.example.org", RecordType.A)))!));
            Assert.Equal(ResponseCode.NoError, Responses.HeaderRcode((await DnsWire.UdpAsync(server.Udp, RawQuery.Build("ns.example.net", RecordType.A)))!));

            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await server.ReloadAsync();
            var signed = Responses.Parse((await DnsWire.UdpAsync(server.Udp, RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(DnssecOk: true))))!);
            Assert.Equal(key.Tag, Assert.Single(signed.AnswerRecords.OfType<ARSoft.Tools.Net.Dns.RrSigRecord>()).KeyTag);

            Directory.Delete(keys, recursive: true);
            await server.ReloadAsync();
            Assert.Contains(server.Logs.Messages, m => m.Contains("the keys of zone 'example.org.' are gone from the key folder", StringComparison.Ordinal));
            var still = Responses.Parse((await DnsWire.UdpAsync(server.Udp, RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(DnssecOk: true))))!);
            Assert.Single(still.AnswerRecords.OfType<ARSoft.Tools.Net.Dns.RrSigRecord>());
        }
        finally
        {
            if (Directory.Exists(keys))
            {
                Directory.Delete(keys, recursive: true);
            }
        }
    }
}
