using ARSoft.Tools.Net.Dns;
using Scriptable.TestCommon;
using RecordType = Scriptable.Engine.Protocol.RecordType;

namespace Scriptable.Server.IntegrationTests;

/// <summary>Startup and reload with good and bad zones: a bad zone never takes the others down.</summary>
public class ZoneLoadingTests
{
    private const string ExampleNet = """
        $TTL 1h
        @    SOA ns1 hostmaster 1 3600 600 604800 300
             NS  ns1
        ns1  A   192.0.2.53
        www  A   198.51.100.1
        """;

    private const string Broken = """
        $TTL 1h
        @    SOA ns1 hostmaster 1 3600 600 604800 300
             NS  ns1
        www  A   300.1.1.1
        """;

    [Fact]
    public async Task Startup_OneZoneBroken_OthersServeAndErrorNamesFileAndLine()
    {
        await using var server = await TestServer.StartAsync([("example.net", ExampleNet), ("example.org", Broken)]);
        var good = Responses.Parse((await server.UdpAsync(RawQuery.Build("www.example.net", RecordType.A)))!);
        Assert.Equal(ReturnCode.NoError, good.ReturnCode);
        var broken = Responses.Parse((await server.UdpAsync(RawQuery.Build("www.example.org", RecordType.A)))!);
        Assert.Equal(ReturnCode.Refused, broken.ReturnCode);
        Assert.Contains(server.Logs.Messages, m => m.Contains("example.org.zone(4,1): error:", StringComparison.Ordinal) && m.Contains("300.1.1.1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reload_ChangedZone_NewDataServed()
    {
        await using var server = await TestServer.StartAsync([("example.net", ExampleNet)]);
        var file = Path.Combine(server.Policies, "example.net", "example.net.zone");
        await File.WriteAllTextAsync(file, ExampleNet.Replace("198.51.100.1", "198.51.100.2", StringComparison.Ordinal).Replace(" 1 3600", " 2 3600", StringComparison.Ordinal));
        await server.ReloadAsync();
        var message = Responses.Parse((await server.UdpAsync(RawQuery.Build("www.example.net", RecordType.A)))!);
        Assert.Equal("198.51.100.2", Assert.IsType<ARecord>(Assert.Single(message.AnswerRecords)).Address.ToString());
    }

    [Fact]
    public async Task Reload_ZoneBrokenByEdit_PreviousVersionKeepsServing()
    {
        await using var server = await TestServer.StartAsync([("example.net", ExampleNet)]);
        var file = Path.Combine(server.Policies, "example.net", "example.net.zone");
        await File.WriteAllTextAsync(file, ExampleNet + "\nbad  A   not-an-address\n");
        await server.ReloadAsync();
        var message = Responses.Parse((await server.UdpAsync(RawQuery.Build("www.example.net", RecordType.A)))!);
        Assert.Equal("198.51.100.1", Assert.IsType<ARecord>(Assert.Single(message.AnswerRecords)).Address.ToString());
        Assert.Contains(server.Logs.Messages, m => m.Contains("example.net.zone(6,1): error:", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Messages, m => m.Contains("keeps serving", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reload_ZoneFolderRemoved_NoLongerServed()
    {
        await using var server = await TestServer.StartAsync([("example.net", ExampleNet), ("example.org", TestZones.ExampleOrg)]);
        Directory.Delete(Path.Combine(server.Policies, "example.net"), recursive: true);
        await server.ReloadAsync();
        var gone = Responses.Parse((await server.UdpAsync(RawQuery.Build("www.example.net", RecordType.A)))!);
        Assert.Equal(ReturnCode.Refused, gone.ReturnCode);
        var kept = Responses.Parse((await server.UdpAsync(RawQuery.Build("www.example.org", RecordType.A)))!);
        Assert.Equal(ReturnCode.NoError, kept.ReturnCode);
    }

    [Fact]
    public async Task Zones_LongestMatchWins()
    {
        const string Child = """
            $TTL 1h
            @    SOA ns1 hostmaster 1 3600 600 604800 300
                 NS  ns1
            ns1  A   192.0.2.53
            www  A   203.0.113.9
            """;
        await using var server = await TestServer.StartAsync([("example.org", TestZones.ExampleOrg), ("sub.example.org", Child)]);
        var message = Responses.Parse((await server.UdpAsync(RawQuery.Build("www.sub.example.org", RecordType.A)))!);
        Assert.True(message.IsAuthoritiveAnswer);
        Assert.Equal("203.0.113.9", Assert.IsType<ARecord>(Assert.Single(message.AnswerRecords)).Address.ToString());
    }
}
