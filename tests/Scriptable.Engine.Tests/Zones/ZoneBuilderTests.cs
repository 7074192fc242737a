using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;
using Scriptable.Engine.Zones.MasterFile;

namespace Scriptable.Engine.Tests.Zones;

/// <summary>Zone semantics at load: what loads as BIND loads it, with warnings, and what is an error.</summary>
public class ZoneBuilderTests
{
    private const string Head = "$ORIGIN example.org.\n$TTL 60\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.53\n";

    private static (Zone? Zone, List<ZoneDiagnostic> Errors, List<ZoneDiagnostic> Warnings) Build(string body)
    {
        var origin = DnsName.Parse("example.org.");
        var parsed = MasterFileParser.ParseText(Head + body, "example.org.zone", origin);
        Assert.Empty(parsed.Errors);
        var errors = new List<ZoneDiagnostic>();
        var warnings = new List<ZoneDiagnostic>(parsed.Warnings);
        return (ZoneBuilder.Build(origin, parsed.Records, "example.org.zone", errors, warnings), errors, warnings);
    }

    [Fact]
    public void PresignedRecords_IgnoredWithOneWarningAtTheFirst_ZoneLoads()
    {
        var (zone, errors, warnings) = Build("""
            www A 192.0.2.1
            www RRSIG A 13 3 60 20300101000000 20291201000000 12345 example.org. AAAA
            www NSEC ns1.example.org. A RRSIG NSEC
            @ NSEC3PARAM 1 0 0 -
            """);

        Assert.Empty(errors);
        Assert.NotNull(zone);
        var warning = Assert.Single(warnings);
        Assert.Equal(7, warning.Line);
        Assert.Contains("3 RRSIG, NSEC, NSEC3 and NSEC3PARAM records ignored", warning.Message, StringComparison.Ordinal);
        Assert.Null(zone.Find(DnsName.Parse("www.example.org."))!.Find(RecordType.RRSIG));
    }

    [Fact]
    public void Dname_BelowApex_DataUnderItWarnedAsNotServed()
    {
        var (zone, errors, warnings) = Build("d DNAME example.net.\nx.d A 192.0.2.2\n");

        Assert.Empty(errors);
        Assert.NotNull(zone);
        Assert.Contains(warnings, w => w.Message.Contains("'x.d.example.org.' is below the DNAME of 'd.example.org.'", StringComparison.Ordinal));
        Assert.Equal(zone.Find(DnsName.Parse("d.example.org.")), zone.Find(DnsName.Parse("x.d.example.org."))!.Redirect);

        // A delegation's name server below it loads too, as in BIND, with a warning.
        var (delegating, delegationErrors, delegationWarnings) = Build("d DNAME example.net.\nsub NS ns.d\n");
        Assert.NotNull(delegating);
        Assert.Empty(delegationErrors);
        Assert.Contains(delegationWarnings, w => w.Message.Contains("NS 'ns.d.example.org.' of 'sub.example.org.' is below the DNAME of 'd.example.org.'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("d DNAME a.example.net.\nd DNAME b.example.net.\n", "'d.example.org.' has more than one DNAME record")]
    [InlineData("@ DNAME example.net.\n", "NS 'ns1.example.org.' of 'example.org.' is below the DNAME of 'example.org.'")]
    [InlineData("d DNAME example.net.\nd CNAME www\n", "'d.example.org.' has a CNAME and other data")]
    public void Errors_AtTheirRecord(string body, string expected)
    {
        var (zone, errors, _) = Build(body);

        Assert.Null(zone);
        Assert.Contains(errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void DnameBesideNs_BelowTheApex_TheDelegationWinsWithAWarning()
    {
        var (zone, errors, warnings) = Build("d DNAME example.net.\nd NS ns1\n");

        Assert.Empty(errors);
        Assert.Contains(warnings, w => w.Message.Contains("'d.example.org.' has a DNAME and NS records: the delegation wins", StringComparison.Ordinal));
        Assert.Equal(LookupKind.Delegation, ZoneLookup.Find(zone!, DnsName.Parse("x.d.example.org."), dsQuery: false).Kind);
    }

    [Fact]
    public void DnameAtApex_RedirectsEveryNameButTheApex()
    {
        var origin = DnsName.Parse("example.org.");
        var parsed = MasterFileParser.ParseText("$TTL 60\n@ SOA ns1.example.net. h 1 2 3 4 5\n@ NS ns1.example.net.\n@ DNAME example.net.\nwww A 192.0.2.1\n", "z", origin);
        var errors = new List<ZoneDiagnostic>();
        var zone = ZoneBuilder.Build(origin, parsed.Records, "z", errors, []);

        Assert.Empty(errors);
        Assert.Equal(LookupKind.Found, ZoneLookup.Find(zone!, DnsName.Parse("example.org."), dsQuery: false).Kind);
        var below = ZoneLookup.Find(zone!, DnsName.Parse("www.example.org."), dsQuery: false);
        Assert.Equal(LookupKind.Dname, below.Kind);
        Assert.Equal(zone!.Apex, below.Node);
    }
}
