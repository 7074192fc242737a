using System.Buffers.Binary;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// Scriptable as the primary of BIND, NSD and Knot (started by <see cref="SecondariesFixture"/>): AXFR with TSIG,
/// NOTIFY on an edit, IXFR from the journal, what they received checked by named-checkzone and ldns-verify-zone;
/// refused and badly signed transfers checked with dig and kdig.
/// </summary>
public sealed class SecondariesTests(SecondariesFixture fixture) : IClassFixture<SecondariesFixture>
{
    [ToolFact("named", "bind9", "nsd", "nsd", "knotd", "knot", "dig", "bind9-dnsutils", "named-checkzone", "bind9-utils")]
    public async Task Secondaries_TransferNotifyIxfr_AllThreeFollowTheZone()
    {
        // Each gets the zone by AXFR with TSIG at start.
        await fixture.WaitForSerialAsync(SecondariesFixture.FirstSerial, TimeSpan.FromSeconds(20));
        foreach (var secondary in fixture.Secondaries)
        {
            var www = await Dig(secondary, "www.example.org", "A");
            Assert.Contains("192.0.2.10", www.Output);
            Assert.Contains("192.0.2.11", www.Output);
        }

        Assert.Contains(fixture.Primary.Logs.Messages, m => m.Contains("sent to 127.0.0.1 (Full)", StringComparison.Ordinal) && m.Contains("TSIG key xfr-key", StringComparison.Ordinal));

        // An edit of the zone file reaches all three by NOTIFY, within 2 s, by IXFR.
        var serial = SecondariesFixture.FirstSerial + 1;
        fixture.Primary.Write("example.org/example.org.zone", SecondariesFixture.Zone(serial, "new A 192.0.2.99"));
        var took = await fixture.WaitForSerialAsync(serial, TimeSpan.FromSeconds(10));
        Assert.True(took < TimeSpan.FromSeconds(2), $"the edit took {took.TotalMilliseconds:F0} ms to reach the three secondaries");
        foreach (var secondary in fixture.Secondaries)
        {
            Assert.Contains("192.0.2.99", (await Dig(secondary, "new.example.org", "A")).Output);
        }

        Assert.Contains(fixture.Primary.Logs.Messages, m => m.Contains($"serial {serial} sent to 127.0.0.1 (Incremental)", StringComparison.Ordinal));
        var bind = fixture.Secondaries[0];
        var knot = fixture.Secondaries[2];
        // BIND 9.18 names the kind of transfer only in debug logs; an IXFR of one added record is 5 records
        // (SOA, old SOA, new SOA, the record, SOA) where the zone is 13.
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(bind.Log, $@"Transfer completed: 1 messages, 5 records, .*\(serial {serial}\)"), bind.Log);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(knot.Log, "(?i)example\\.org.*IXFR"), knot.Log);

        // The admin endpoint shows the zone's serial, its journal and the last transfer out; the metrics count them.
        using var http = new HttpClient { BaseAddress = fixture.Primary.Admin };
        using var zones = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri("zones", UriKind.Relative)));
        var zone = zones.RootElement.EnumerateArray().Single();
        Assert.Equal(serial, zone.GetProperty("serial").GetUInt32());
        Assert.Equal(1, zone.GetProperty("journal").GetProperty("deltas").GetInt32());
        Assert.Equal(3, zone.GetProperty("notify").GetArrayLength());
        Assert.Equal("127.0.0.1", zone.GetProperty("lastTransferOut").GetProperty("client").GetString());
        var metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
        Assert.Matches(@"scriptable_transfers_out_total\{dns_transfer_kind=""incremental""\} [1-9]", metrics);
        Assert.Matches(@"scriptable_transfers_out_total\{dns_transfer_kind=""full""\} [1-9]", metrics);
        Assert.Contains($"scriptable_zone_serial{{dns_zone=\"example.org.\"}} {serial}", metrics, StringComparison.Ordinal);
        Assert.Matches(@"scriptable_notify_completed_total\{dns_notify_result=""answered""\} [1-9]", metrics);

        // What they hold is a valid zone, record for record ours: their own AXFR out, checked by named-checkzone
        // (ldns-verify-zone checks DNSSEC only, and this zone is not signed).
        var ours = Records((await ExternalTool.RunAsync("dig", ["+nocmd", "+nostats", "-p", Port, "@127.0.0.1", "example.org", "AXFR", "-y", $"hmac-sha256:{SecondariesFixture.KeyName}:{fixture.Secret}"])).Output);
        Assert.Contains("new.example.org.\t300\tIN\tA\t192.0.2.99", ours);
        foreach (var secondary in fixture.Secondaries)
        {
            var axfr = await Dig(secondary, "example.org", "AXFR");
            var file = Path.Combine(secondary.Directory, "received.zone");
            await File.WriteAllTextAsync(file, axfr.Output);
            var named = await ExternalTool.RunAsync("named-checkzone", ["example.org", file]);
            Assert.True(named.ExitCode == 0, $"{secondary.Name}: named-checkzone: {named.Output}{named.Error}\n{axfr.Output}");
            Assert.Contains($"loaded serial {serial}", named.Output);
            Assert.Equal(ours, Records(axfr.Output));
        }
    }

    [ToolFact("dig", "bind9-dnsutils", "kdig", "knot-dnsutils")]
    public async Task Transfer_FromAnAddressNotAllowed_IsRefused()
    {
        var key = $"hmac-sha256:{SecondariesFixture.KeyName}:{fixture.Secret}";
        var dig = await ExternalTool.RunAsync("dig", ["-b", "127.0.0.2", "-p", Port, "@127.0.0.1", "example.org", "AXFR", "-y", key]);
        Assert.Contains("Transfer failed", dig.Output);
        Assert.DoesNotContain("192.0.2.10", dig.Output);
        var kdig = await ExternalTool.RunAsync("kdig", ["-b", "127.0.0.2", "-p", Port, "@127.0.0.1", "example.org", "AXFR", "-y", key]);
        Assert.Contains("error 'REFUSED'", kdig.Output + kdig.Error);

        // Unsigned from the allowed address: the entry needs the key.
        var unsigned = await ExternalTool.RunAsync("dig", ["-p", Port, "@127.0.0.1", "example.org", "AXFR"]);
        Assert.DoesNotContain("192.0.2.10", unsigned.Output);
        Assert.Contains("Transfer failed", unsigned.Output);

        // Signed from the allowed address: the zone.
        var signed = await ExternalTool.RunAsync("dig", ["-p", Port, "@127.0.0.1", "example.org", "AXFR", "-y", key]);
        Assert.Contains("192.0.2.10", signed.Output);
        Assert.DoesNotContain("could not be validated", signed.Output);
    }

    [ToolFact("dig", "bind9-dnsutils", "kdig", "knot-dnsutils")]
    public async Task SignedQuery_BadKeyOrMac_NotAuthWithTheTsigError()
    {
        var wrongSecret = Convert.ToBase64String(new byte[32]);
        var badSig = await ExternalTool.RunAsync("dig", ["-p", Port, "@127.0.0.1", "www.example.org", "A", "-y", $"hmac-sha256:{SecondariesFixture.KeyName}:{wrongSecret}"]);
        Assert.Contains("status: NOTAUTH", badSig.Output);
        Assert.Matches(@"TSIG\s+hmac-sha256\. \d+ 300 0 \d+ BADSIG", badSig.Output);
        var badKey = await ExternalTool.RunAsync("dig", ["-p", Port, "@127.0.0.1", "www.example.org", "A", "-y", $"hmac-sha256:other-key:{fixture.Secret}"]);
        Assert.Contains("status: NOTAUTH", badKey.Output);
        Assert.Contains("BADKEY", badKey.Output);
        var kdigBadSig = await ExternalTool.RunAsync("kdig", ["-p", Port, "@127.0.0.1", "www.example.org", "A", "-y", $"hmac-sha256:{SecondariesFixture.KeyName}:{wrongSecret}"]);
        Assert.Contains("BADSIG", kdigBadSig.Output);
        var kdigBadKey = await ExternalTool.RunAsync("kdig", ["-p", Port, "@127.0.0.1", "www.example.org", "A", "-y", $"hmac-sha256:other-key:{fixture.Secret}"]);
        Assert.Contains("BADKEY", kdigBadKey.Output);

        // The right key: answered and signed (kdig checks the answer's MAC and says so when it fails).
        var good = await ExternalTool.RunAsync("kdig", ["-p", Port, "@127.0.0.1", "www.example.org", "A", "-y", $"hmac-sha256:{SecondariesFixture.KeyName}:{fixture.Secret}"]);
        Assert.Contains("192.0.2.10", good.Output);
        Assert.Contains("NOERROR", good.Output);
        Assert.DoesNotContain("failed to verify", good.Output + good.Error);
    }

    [ToolFact("named", "bind9")]
    public async Task SignedQuery_TimeOutsideFudge_BadTimeSignedWithTheServersTime()
    {
        var key = new Engine.Transfers.TsigKey(DnsName.Parse(SecondariesFixture.KeyName + "."), Engine.Transfers.TsigAlgorithm.HmacSha256, Convert.FromBase64String(fixture.Secret));
        var query = RawQuery.Build("www.example.org", RecordType.A);
        var buffer = new byte[512];
        query.CopyTo(buffer, 0);
        var stale = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600;
        var length = Engine.Transfers.TsigCodec.SignRequest(buffer, query.Length, key, stale, new byte[64], out _);
        var answer = await fixture.Primary.UdpAsync(buffer[..length]);
        Assert.NotNull(answer);
        Assert.Equal(ResponseCode.NotAuth, Responses.HeaderRcode(answer));

        // The TSIG record ends the message: ... MAC size, MAC, original ID, error, other length (6), other (the server's time).
        var other = answer.AsSpan(answer.Length - 6);
        var serverTime = ((long)BinaryPrimitives.ReadUInt16BigEndian(other) << 32) | BinaryPrimitives.ReadUInt32BigEndian(other[2..]);
        Assert.InRange(serverTime, stale + 3590, stale + 3700);
        Assert.Equal(6, BinaryPrimitives.ReadUInt16BigEndian(answer.AsSpan(answer.Length - 8)));
        Assert.Equal(18, BinaryPrimitives.ReadUInt16BigEndian(answer.AsSpan(answer.Length - 10)));
        var macSize = BinaryPrimitives.ReadUInt16BigEndian(answer.AsSpan(answer.Length - 14 - 32));
        Assert.Equal(32, macSize);
    }

    [ToolFact("named", "bind9", "dig", "bind9-dnsutils")]
    public async Task AxfrOverUdp_AnsweredAsBindAnswersIt()
    {
        await WaitForBindAsync();
        var query = RawQuery.Build("example.org", RecordType.AXFR);
        var ours = await fixture.Primary.UdpAsync(query);
        var bind = await DnsWire.UdpAsync(fixture.Secondaries[0].EndPoint, query);
        Assert.NotNull(ours);
        Assert.NotNull(bind);
        Assert.Equal(Responses.HeaderRcode(bind), Responses.HeaderRcode(ours));
    }

    private async Task WaitForBindAsync()
    {
        for (var i = 0; i < 200 && await SecondariesFixture.SerialAsync(fixture.Secondaries[0]) is null; i++)
        {
            await Task.Delay(50);
        }
    }

    private string Port => fixture.Primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The records of dig's AXFR output, sorted, without comments and TSIG.</summary>
    private static List<string> Records(string digOutput) =>
        [.. digOutput.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l.Trim(), @"\s+", "\t"))
            .Where(l => l.Length > 0 && !l.StartsWith(';') && !l.Contains("\tTSIG\t", StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal)];

    private static Task<(int ExitCode, string Output, string Error)> Dig(SecondaryServer secondary, string name, string type) =>
        ExternalTool.RunAsync("dig", ["+nocmd", "+nostats", "-p", secondary.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "@127.0.0.1", name, type]);
}
