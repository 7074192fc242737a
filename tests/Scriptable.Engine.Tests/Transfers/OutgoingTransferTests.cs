using System.Buffers.Binary;
using System.Text;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Transfers;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Transfers;

public sealed class OutgoingTransferTests
{
    [Fact]
    public void Axfr_LargeZoneOverTcp_ManyMessagesSoaFirstAndLast()
    {
        var extra = new StringBuilder();
        for (var i = 0; i < 2000; i++)
        {
            extra.Append(System.Globalization.CultureInfo.InvariantCulture, $"host{i} A 192.0.2.{i % 250}\n");
        }

        var zone = ZoneVersionsTests.Zone(7, extra.ToString());
        var pipeline = new TransferPipeline(zone);

        var messages = pipeline.Run(RawQuery.Build("example.org", RecordType.AXFR), DnsTransport.Tcp);

        Assert.True(messages.Count > 2, $"{messages.Count} messages");
        var records = messages.SelectMany(m => Responses.Parse(m).AnswerRecords).ToList();
        Assert.Equal(zone.RecordCount + 1, records.Count);
        Assert.IsType<ARSoft.Tools.Net.Dns.SoaRecord>(records[0]);
        Assert.IsType<ARSoft.Tools.Net.Dns.SoaRecord>(records[^1]);
        Assert.Equal(2, records.Count(r => r is ARSoft.Tools.Net.Dns.SoaRecord));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(messages[0].AsSpan(4)));
        Assert.All(messages.Skip(1), m => Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(4))));
    }

    [Fact]
    public void Axfr_Signed_EveryMessageCarriesTsig()
    {
        var extra = string.Concat(Enumerable.Range(0, 1500).Select(i => $"host{i} TXT \"{new string('x', 40)}\"\n"));
        var pipeline = new TransferPipeline(ZoneVersionsTests.Zone(7, extra), allow: "key:xfr-key");
        var query = TransferPipeline.Sign(RawQuery.Build("example.org", RecordType.AXFR), TransferPipeline.Key, pipeline.Now);

        var messages = pipeline.Run(query, DnsTransport.Tcp);

        Assert.True(messages.Count > 2);
        Assert.All(messages, m => Assert.Equal((0, 32, 0), TsigStageTests.Tsig(m)));
    }

    [Theory]
    [InlineData(DnsTransport.Tcp, "192.0.2.0/24", new byte[] { 198, 51, 100, 1 }, ResponseCode.Refused)]
    [InlineData(DnsTransport.Tcp, "key:xfr-key", new byte[] { 192, 0, 2, 99 }, ResponseCode.Refused)]
    [InlineData(DnsTransport.Udp, "192.0.2.0/24", new byte[] { 192, 0, 2, 99 }, ResponseCode.FormErr)]
    public void Axfr_NotAllowedOrUdp_Rcode(DnsTransport transport, string allow, byte[] client, int rcode)
    {
        var pipeline = new TransferPipeline(ZoneVersionsTests.Zone(7), allow: allow);
        var response = pipeline.Run(RawQuery.Build("example.org", RecordType.AXFR), transport, client).Single();
        Assert.Equal(rcode, Responses.HeaderRcode(response));
    }

    [Fact]
    public void Axfr_NameBelowTheApex_NotAuth()
    {
        var pipeline = new TransferPipeline(ZoneVersionsTests.Zone(7));
        Assert.Equal(ResponseCode.NotAuth, Responses.HeaderRcode(pipeline.Run(RawQuery.Build("www.example.org", RecordType.AXFR), DnsTransport.Tcp).Single()));
    }

    [Theory]
    [InlineData(1u, DnsTransport.Udp, 5)]   // in the journal, fits a datagram: SOA, old SOA, new SOA, added, SOA
    [InlineData(2u, DnsTransport.Udp, 1)]   // up to date: the SOA alone
    [InlineData(0u, DnsTransport.Tcp, 6)]   // not in the journal: the whole zone, AXFR-style
    [InlineData(1u, DnsTransport.Tcp, 5)]
    public void Ixfr_FromTheClientsSerial_DeltasOrSoaOrWholeZone(uint clientSerial, DnsTransport transport, int records)
    {
        var versions = new ZoneVersions();
        versions.Apply([ZoneVersionsTests.Zone(1)], TransferSettings.None, 0);
        var result = versions.Apply([ZoneVersionsTests.Zone(2, "new A 192.0.2.99")], TransferSettings.None, 0);
        var zone = result.Served.Single();
        var pipeline = new TransferPipeline(zone, result.Journals);

        var messages = pipeline.Run(IxfrQuery(clientSerial), transport);

        var answer = messages.SelectMany(m => Responses.Parse(m).AnswerRecords).ToList();
        Assert.Equal(records, answer.Count);
        Assert.Equal(2u, Assert.IsType<ARSoft.Tools.Net.Dns.SoaRecord>(answer[0]).SerialNumber);
    }

    [Fact]
    public void Ixfr_OverUdpTooLarge_SoaAlone()
    {
        var versions = new ZoneVersions();
        versions.Apply([ZoneVersionsTests.Zone(1)], TransferSettings.None, 0);
        var extra = string.Concat(Enumerable.Range(0, 100).Select(i => $"host{i} A 192.0.2.{i}\n"));
        var result = versions.Apply([ZoneVersionsTests.Zone(2, extra)], TransferSettings.None, 0);
        var pipeline = new TransferPipeline(result.Served.Single(), result.Journals);

        var answer = Responses.Parse(pipeline.Run(IxfrQuery(1), DnsTransport.Udp).Single()).AnswerRecords;

        Assert.Equal(2u, Assert.IsType<ARSoft.Tools.Net.Dns.SoaRecord>(Assert.Single(answer)).SerialNumber);
    }

    /// <summary>IXFR for example.org with the client's SOA (serial <paramref name="serial"/>) in the authority section.</summary>
    private static byte[] IxfrQuery(uint serial)
    {
        var question = RawQuery.Build("example.org", RecordType.IXFR);
        var soa = new List<byte>();
        soa.AddRange([0xC0, 12]);
        soa.AddRange([0, 6, 0, 1, 0, 0, 1, 44]);
        var rdata = new List<byte>();
        rdata.AddRange(RawQuery.EncodeName("ns1.example.org"));
        rdata.AddRange(RawQuery.EncodeName("hostmaster.example.org"));
        var numbers = new byte[20];
        BinaryPrimitives.WriteUInt32BigEndian(numbers, serial);
        rdata.AddRange(numbers);
        soa.AddRange([(byte)(rdata.Count >> 8), (byte)rdata.Count]);
        soa.AddRange(rdata);
        return RawQuery.WithCounts([.. question, .. soa], 1, 0, 1, 0);
    }
}
