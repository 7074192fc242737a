using ARSoft.Tools.Net.Dns;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;
using Zone = Scriptable.Engine.Zones.Zone;
using Scriptable.Engine.Zones.MasterFile;
using Scriptable.TestCommon;
using RecordType = Scriptable.Engine.Protocol.RecordType;

namespace Scriptable.Engine.Tests.Pipeline;

/// <summary>
/// A DS RRset lives on the parent side of a zone cut (RFC 4034 section 5, RFC 4035 section 3.1.4.1): with the parent
/// and the child served together, a DS query for the child's apex is answered from the parent, as BIND and Knot do.
/// </summary>
public class DsParentSideTests
{
    private const string Parent = """
        $ORIGIN example.org.
        $TTL 3600
        @       IN SOA ns1 hostmaster (1 3600 600 604800 300)
                IN NS  ns1
        ns1     IN A   192.0.2.53
        signed  IN NS  ns1
        signed  IN DS  12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
        plain   IN NS  ns1
        """;

    private static Zone Child(string label) => TestZones.Build($"{label}.example.org", $"""
        $ORIGIN {label}.example.org.
        $TTL 3600
        @       IN SOA ns1 hostmaster (7 3600 600 604800 60)
                IN NS  ns1.example.org.
        www     IN A   192.0.2.1
        """);

    private readonly PipelineHarness _harness = new(null, TestZones.Build("example.org", Parent), Child("signed"), Child("plain"));

    private DnsMessage Ask(string name, ushort type) => Responses.Parse(_harness.Run(RawQuery.Build(name, type))!);

    [Fact]
    public void Ds_ChildApexWithParentDs_AnsweredFromTheParent()
    {
        var message = Ask("signed.example.org", RecordType.DS);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        Assert.True(message.IsAuthoritiveAnswer);
        var ds = Assert.IsType<DsRecord>(Assert.Single(message.AnswerRecords));
        Assert.Equal(12345, ds.KeyTag);
        Assert.Equal("signed.example.org.", ds.Name.ToString());
        Assert.Empty(message.AuthorityRecords);
    }

    [Fact]
    public void Ds_ChildApexWithoutParentDs_ParentNoDataWithParentSoa()
    {
        var message = Ask("plain.example.org", RecordType.DS);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        Assert.True(message.IsAuthoritiveAnswer);
        Assert.Empty(message.AnswerRecords);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(message.AuthorityRecords));
        Assert.Equal("example.org.", soa.Name.ToString());
        Assert.Equal(1u, soa.SerialNumber);
    }

    [Fact]
    public void Ds_BelowChildApex_AnsweredByTheChild()
    {
        var message = Ask("www.signed.example.org", RecordType.DS);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(message.AuthorityRecords));
        Assert.Equal("signed.example.org.", soa.Name.ToString());
    }

    [Fact]
    public void Ds_OtherTypesAtChildApex_StillAnsweredByTheChild()
    {
        var message = Ask("signed.example.org", RecordType.SOA);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(message.AnswerRecords));
        Assert.Equal(7u, soa.SerialNumber);
    }

    [Fact]
    public void Ds_ApexOfZoneWithoutParentHere_AnsweredByTheZone()
    {
        var harness = new PipelineHarness(null, Child("alone"));
        var message = Responses.Parse(harness.Run(RawQuery.Build("alone.example.org", RecordType.DS))!);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        Assert.True(message.IsAuthoritiveAnswer);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(message.AuthorityRecords));
        Assert.Equal("alone.example.org.", soa.Name.ToString());
    }

    [Fact]
    public void Load_DsAtOwnApex_RejectedWithFileAndLine()
    {
        const string text = """
            $ORIGIN child.example.org.
            @  3600 IN SOA ns1 hostmaster (1 3600 600 604800 300)
               3600 IN NS  ns1
               3600 IN DS  12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
            ns1 3600 IN A 192.0.2.53
            """;
        var origin = DnsName.Parse("child.example.org.");
        var parsed = MasterFileParser.ParseText(text, "child.zone", origin);
        Assert.Empty(parsed.Errors);
        var errors = new List<ZoneDiagnostic>();
        Assert.Null(ZoneBuilder.Build(origin, parsed.Records, "child.zone", errors, []));
        var error = Assert.Single(errors);
        Assert.StartsWith("child.zone(4,1): error: DS record at the apex of zone 'child.example.org.'", error.Format("error"));
    }
}
