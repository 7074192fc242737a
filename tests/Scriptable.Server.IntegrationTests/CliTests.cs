using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>The <c>scriptable</c> program: arguments, configuration sources, signals, exit codes.</summary>
public sealed class CliTests : IDisposable
{
    private const string Zone = """
        $ORIGIN example.net.
        $TTL 1h
        @    IN SOA ns1 hostmaster 7 3600 600 604800 300
             IN NS  ns1
        ns1  IN A   192.0.2.53
        www  IN A   198.51.100.7
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("scriptable-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WritePolicies(string zoneText = Zone)
    {
        var folder = Path.Combine(_directory, "policies", "example.net");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "example.net.zone"), zoneText);
        return Path.Combine(_directory, "policies");
    }

    private static async Task AssertAnswers(System.Net.IPEndPoint endPoint, string name, string address)
    {
        var response = await DnsWire.UdpAsync(endPoint, RawQuery.Build(name, RecordType.A), 5000);
        Assert.NotNull(response);
        Assert.Contains(Responses.Parse(response).AnswerRecords, r => r.ToString().Contains(address, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Serve_Signal_StopsCleanlyWithExitCodeZero(string signal)
    {
        var policies = WritePolicies();
        await using var server = ServerProcess.Start(_directory, null, "serve", "--listen", "127.0.0.1:0", "--policies", policies);
        var endPoint = await server.WaitListeningAsync();
        await AssertAnswers(endPoint, "www.example.net", "198.51.100.7");
        await server.SignalAsync(signal);
        Assert.True(await server.WaitForExitAsync(15000), "exited after SIG" + signal + "\n" + server.Output);
        Assert.Equal(0, server.ExitCode);
        Assert.Contains("Stopping", server.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The README's run command becomes the server (exec): SIGINT or SIGTERM sent to the process id of
    /// <c>scripts/run.sh</c> stops it. Run in a copy of the checkout's scripts and default folder, with the tests'
    /// build where the wrapper looks for it and a generated database where geo-db.sh finds one (nothing is
    /// downloaded, nothing built).
    /// </summary>
    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task RunScript_Signal_ReachesTheServer(string signal)
    {
        var checkout = Path.Combine(_directory, "checkout");
        FolderCopy.Tree(RepositoryPaths.Combine("scripts"), Path.Combine(checkout, "scripts"));
        FolderCopy.Tree(RepositoryPaths.Combine("policies"), Path.Combine(checkout, "policies"), relative => relative.StartsWith("_geo", StringComparison.Ordinal));
        Scriptable.TestCommon.Mmdb.TestGeo.CityTestLike().Write(Path.Combine(checkout, "policies", "_geo", "geo-whois-asn-country.mmdb"));
        var release = Path.Combine(checkout, "engine", "Scriptable.Server", "bin", "Release");
        Directory.CreateDirectory(release);
        File.CreateSymbolicLink(Path.Combine(release, "net10.0"), Path.GetDirectoryName(ServerProcess.ProgramPath)!);

        await using var server = ServerProcess.StartProgram("bash", [Path.Combine(checkout, "scripts", "run.sh"), "--listen", "127.0.0.1:0"], _directory, null);
        var endPoint = await server.WaitListeningAsync();
        await AssertAnswers(endPoint, "www.example.com", "203.0.113.30");
        await server.SignalAsync(signal);

        Assert.True(await server.WaitForExitAsync(15000), "exited after SIG" + signal + " to run.sh's process\n" + server.Output);
        Assert.Equal(0, server.ExitCode);
        Assert.Contains("Stopping", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_Sighup_ReloadsZones()
    {
        var policies = WritePolicies();
        await using var server = ServerProcess.Start(_directory, null, "--listen", "127.0.0.1:0", "--policies", policies);
        var endPoint = await server.WaitListeningAsync();
        File.WriteAllText(Path.Combine(policies, "example.net", "example.net.zone"), Zone.Replace("198.51.100.7", "198.51.100.8", StringComparison.Ordinal));
        await server.SignalAsync("HUP");
        await TransportTests.WaitUntil(() => server.Output.Contains("reloading", StringComparison.Ordinal) && server.Output.Split("Serving 1 zones").Length > 2, "reload logged", 60000);
        await AssertAnswers(endPoint, "www.example.net", "198.51.100.8");
        Assert.False(server.HasExited);
    }

    [Fact]
    public async Task NoArguments_NoPoliciesFolder_ServesEmbeddedDefault()
    {
        // The listen address comes from the environment here only because the default port may be taken.
        await using var server = ServerProcess.Start(_directory, new Dictionary<string, string> { ["SCRIPTABLE_Listen__0"] = "127.0.0.1:0" });
        var endPoint = await server.WaitListeningAsync();
        Assert.Contains("embedded default", server.Output, StringComparison.Ordinal);
        var response = await DnsWire.UdpAsync(endPoint, RawQuery.Build("example.com", RecordType.SOA), 5000);
        Assert.NotNull(response);
        Assert.Equal(ResponseCode.NoError, Responses.HeaderRcode(response));
        Assert.Single(Responses.Parse(response).AnswerRecords);
    }

    [Fact]
    public async Task ConfigFile_SetsListenAndPolicies()
    {
        var policies = WritePolicies();
        File.WriteAllText(Path.Combine(_directory, "scriptable.json"), $$"""
            { "Listen": [ "127.0.0.1:0" ], "Policies": "{{policies}}", "Nsid": "from-json" }
            """);
        await using var server = ServerProcess.Start(_directory, null);
        var endPoint = await server.WaitListeningAsync();
        await AssertAnswers(endPoint, "www.example.net", "198.51.100.7");
        var response = await DnsWire.UdpAsync(endPoint, RawQuery.Build("www.example.net", RecordType.A, edns: new Edns(Options: [(3, [])])), 5000);
        Assert.Contains("from-json", System.Text.Encoding.UTF8.GetString(response!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandLine_OverridesEnvironment()
    {
        var policies = WritePolicies();
        await using var server = ServerProcess.Start(_directory, new Dictionary<string, string> { ["SCRIPTABLE_Policies"] = "/nonexistent" }, "--listen", "127.0.0.1:0", "--policies", policies);
        var endPoint = await server.WaitListeningAsync();
        await AssertAnswers(endPoint, "www.example.net", "198.51.100.7");
    }

    [Theory]
    [InlineData("--listen", "not-an-address", "not a listen address")]
    [InlineData("--policies", "/nonexistent/folder", "does not exist")]
    [InlineData("--config", "/nonexistent/scriptable.json", "does not exist")]
    [InlineData("--log-level", "loud", "not a log level")]
    public async Task BadArgument_OneLineErrorAndNonZeroExit(string option, string value, string message)
    {
        await using var server = ServerProcess.Start(_directory, null, "serve", option, value);
        Assert.True(await server.WaitForExitAsync(30000));
        Assert.NotEqual(0, server.ExitCode);
        Assert.Contains(message, server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_PortInUse_ClearErrorAndExitCodeOne()
    {
        using var blocker = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        blocker.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)blocker.LocalEndPoint!).Port;
        var policies = WritePolicies();
        await using var server = ServerProcess.Start(_directory, null, "--listen", $"127.0.0.1:{port}", "--policies", policies);
        Assert.True(await server.WaitForExitAsync(30000));
        Assert.Equal(1, server.ExitCode);
        Assert.Contains($"cannot listen on 127.0.0.1:{port}: Address already in use (another server has it", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_GoodFolder_ExitZero()
    {
        var policies = WritePolicies();
        await using var check = ServerProcess.Start(_directory, null, "check", policies);
        Assert.True(await check.WaitForExitAsync(30000));
        Assert.Equal(0, check.ExitCode);
        Assert.Contains("ok: zone 'example.net.' serial 7", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_BrokenZone_ReportsFileLineAndExitsOne()
    {
        var policies = WritePolicies(Zone + "\nbad IN MX ten mail\n");
        await using var check = ServerProcess.Start(_directory, null, "check", policies);
        Assert.True(await check.WaitForExitAsync(30000));
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("example.net.zone(7,1): error:", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_HealthYaml_ErrorsAtTheirPlaceAndExitOne_ElseCounted()
    {
        var policies = WritePolicies();
        File.WriteAllText(Path.Combine(policies, "health.yaml"), "checks:\n  eu: { tcp: 127.0.0.1:5999, intervall: 2s }\n");
        await using (var check = ServerProcess.Start(_directory, null, "check", policies))
        {
            Assert.True(await check.WaitForExitAsync(30000));
            Assert.Equal(1, check.ExitCode);
            Assert.Contains("health.yaml(2,30): error HLT012", check.Output, StringComparison.Ordinal);
            Assert.Contains("did you mean 'interval'?", check.Output, StringComparison.Ordinal);
            Assert.Contains("FAILED: health.yaml", check.Output, StringComparison.Ordinal);
        }

        File.WriteAllText(Path.Combine(policies, "health.yaml"), "checks:\n  eu: { tcp: 127.0.0.1:5999, interval: 2s }\n");
        await using (var check = ServerProcess.Start(_directory, null, "check", policies))
        {
            Assert.True(await check.WaitForExitAsync(30000));
            Assert.Equal(0, check.ExitCode);
            Assert.Contains("ok: health.yaml: 1 checks, 0 groups", check.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Check_Policies_EscapesRejectedLegitCodeAccepted()
    {
        var policies = WritePolicies();
        var zone = Path.Combine(policies, "example.net");
        File.WriteAllText(Path.Combine(zone, "www.csx"), "static readonly Answer A = Answer.Address(\"192.0.2.7\");\nvar names = new[] { \"b\", \"a\" }.Order().ToList();\nreturn names.Count > 1 ? A : Answer.Static;\n");
        File.WriteAllText(Path.Combine(zone, "files.csx"), "var secret = System.IO.File.ReadAllText(\"/etc/passwd\");\nreturn Answer.Static;\n");
        File.WriteAllText(Path.Combine(zone, "reflect.csx"), "var m = typeof(string).GetMethod(\"Clone\");\nreturn Answer.Static;\n");
        File.WriteAllText(Path.Combine(zone, "env.csx"), "\n  Environment.Exit(3);\nreturn Answer.Static;\n");

        await using var check = ServerProcess.Start(_directory, null, "check", policies);
        Assert.True(await check.WaitForExitAsync(60000));

        Assert.Equal(1, check.ExitCode);
        Assert.Contains("ok: policy '", check.Output, StringComparison.Ordinal);
        Assert.Matches(@"files\.csx\(1,\d+\): error SCR0001: 'System\.IO\.File' is not allowed", check.Output);
        Assert.Matches(@"reflect\.csx\(1,\d+\): error SCR0001: 'System\.Type' is not allowed", check.Output);
        Assert.Matches(@"env\.csx\(2,3\): error SCR0001: 'System\.Environment' is not allowed", check.Output);
        Assert.Contains("1 policies compiled, 3 failed", check.Output, StringComparison.Ordinal);
    }
}
