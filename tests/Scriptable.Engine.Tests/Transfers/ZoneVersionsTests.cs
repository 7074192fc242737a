using Scriptable.Engine.Protocol;
using Scriptable.Engine.Transfers;
using Scriptable.Engine.Zones;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Transfers;

public sealed class ZoneVersionsTests
{
    private static readonly DnsName Origin = DnsName.Parse("example.org.");

    internal static Zone Zone(uint serial, string extra = "") => TestZones.Build("example.org", $"""
        $ORIGIN example.org.
        $TTL 300
        @   IN SOA ns1 hostmaster {serial} 3600 600 86400 300
        @   NS  ns1
        ns1 A   192.0.2.1
        www A   192.0.2.10
        {extra}
        """);

    private static TransferSettings Settings(SerialPolicy policy) =>
        new(TsigKeyRing.Empty, [KeyValuePair.Create(Origin, new ZoneTransferConfig { Serial = policy })]);

    [Fact]
    public void Apply_SerialIncreased_JournalHoldsTheDifference()
    {
        var versions = new ZoneVersions();
        var first = versions.Apply([Zone(1)], TransferSettings.None, 0);
        Assert.Single(first.Changed);
        Assert.Empty(first.Journals[Origin].Deltas);

        var second = versions.Apply([Zone(2, "new A 192.0.2.99\nwww A 192.0.2.11")], TransferSettings.None, 0);

        var delta = Assert.Single(second.Journals[Origin].Deltas);
        Assert.Equal((1u, 2u), (delta.FromSerial, delta.ToSerial));
        Assert.Empty(delta.Removed);
        Assert.Equal(["new.example.org. 300 A", "www.example.org. 300 A"], delta.Added.Select(r => r.ToString()).Order());
        Assert.Single(second.Changed);
        Assert.Empty(second.Warnings);
        Assert.NotNull(second.Journals[Origin].From(1, 2));
        Assert.Null(second.Journals[Origin].From(0, 2));
    }

    [Fact]
    public void Apply_ChangedWithoutSerialBump_WarnsAndStartsTheJournalOver()
    {
        var versions = new ZoneVersions();
        versions.Apply([Zone(1)], TransferSettings.None, 0);
        versions.Apply([Zone(2, "a A 192.0.2.2")], TransferSettings.None, 0);

        var result = versions.Apply([Zone(2, "b A 192.0.2.3")], TransferSettings.None, 0);

        var warning = Assert.Single(result.Warnings);
        Assert.Contains("zone 'example.org.' changed but its serial 2 is not above 2", warning);
        Assert.Contains("Zones:example.org:Serial", warning);
        Assert.Empty(result.Journals[Origin].Deltas);
    }

    [Theory]
    [InlineData(SerialPolicy.UnixTime, 2_100_000_000u)]
    [InlineData(SerialPolicy.Increment, 2024010102u)]
    public void Apply_SerialPolicy_SetsTheSerialOnChangeOnly(SerialPolicy policy, uint expected)
    {
        var versions = new ZoneVersions();
        var first = versions.Apply([Zone(2024010101)], Settings(policy), 2_099_999_000);
        var served = first.Served.Single().Serial;

        var same = versions.Apply([Zone(2024010101)], Settings(policy), 2_100_000_000);
        Assert.Equal(served, same.Served.Single().Serial);
        Assert.Empty(same.Changed);

        var edited = versions.Apply([Zone(2024010101, "new A 192.0.2.99")], Settings(policy), 2_100_000_000);

        var zone = edited.Served.Single();
        Assert.Equal(policy == SerialPolicy.UnixTime ? expected : served + 1, zone.Serial);
        Assert.NotNull(zone.Find(DnsName.Parse("new.example.org.")));
        Assert.Empty(edited.Warnings);
        var delta = Assert.Single(edited.Journals[Origin].Deltas);
        Assert.Equal(served, delta.FromSerial);
        Assert.Equal(zone.Serial, delta.ToSerial);
    }

    [Fact]
    public void Append_OverTheBound_DropsTheOldest()
    {
        var journal = ZoneJournal.Empty;
        var soa = ZoneRecords.Soa(Zone(0));
        for (uint i = 0; i < ZoneJournal.MaxDeltas + 5; i++)
        {
            journal = journal.Append(new ZoneDelta(soa with { Data = SoaWithSerial(i) }, soa with { Data = SoaWithSerial(i + 1) }, [], []));
        }

        Assert.Equal(ZoneJournal.MaxDeltas, journal.Deltas.Count);
        Assert.Equal(5u, journal.Deltas[0].FromSerial);
        Assert.Null(journal.From(4, ZoneJournal.MaxDeltas + 5));
        Assert.Equal(3, journal.From(ZoneJournal.MaxDeltas + 2, ZoneJournal.MaxDeltas + 5)!.Count);
    }

    private static RData SoaWithSerial(uint serial) => Zone(serial).Soa.Records[0];
}
