using System.Net;
using System.Text.Json;
using Scriptable.Server.Configuration;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// Issue 14, findings 9 and 10, against the running server: what the folder's files can make it read, run and
/// show. A file linked out of the folder is not read and its content never reaches the admin endpoint; a command
/// check runs only as the operator's configuration allows, and its output never reaches unauthenticated readers.
/// </summary>
public sealed class FolderContainmentTests : IDisposable
{
    private const string Secret = "hunter2SECRET";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly TempFolder _folder = TempFolder.WithExampleZone();
    private readonly TempFolder _outside = new();

    private Task<TestServer> StartAsync(Action<ServerOptions>? configure = null) => TestServer.StartInFolderAsync(_folder.Path, o =>
    {
        o.Admin = new AdminConfig { Listen = "127.0.0.1:0" };
        configure?.Invoke(o);
    });

    private static async Task<string> GetAsync(Uri uri)
    {
        using var response = await Http.GetAsync(uri);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The issue's own case: a policy linked to a file outside; GET /policies (no token, loopback) showed its content in compiler errors.</summary>
    [Fact]
    public async Task GetPolicies_PolicyLinkedOutside_NotReadNorShown()
    {
        File.CreateSymbolicLink(Path.Combine(_folder.Path, "example.org", "www.csx"), _outside.Write("shadow", $"{Secret} {Secret}\n"));
        await using var server = await StartAsync();

        var policies = await GetAsync(new Uri(server.Admin!, "policies"));

        Assert.DoesNotContain(Secret, policies, StringComparison.Ordinal);
        Assert.Contains("www.csx: error SCR0126: not read: it is outside the policies folder", policies, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Logs.Messages, m => m.Contains(Secret, StringComparison.Ordinal));
    }

    /// <summary>
    /// A command check in health.yaml while the server's configuration has command checks off (the default): an
    /// error of health.yaml at its line, nothing runs, nothing is shown.
    /// </summary>
    [Fact]
    public async Task HealthCommand_Off_NotRunAndAHealthYamlError()
    {
        var marker = Path.Combine(_outside.Path, "ran");
        _folder.Write("health.yaml", $"checks:\n  db: {{ command: [/usr/bin/touch, {marker}], interval: 200ms, timeout: 100ms }}\n  echo: {{ command: [/bin/echo, {Secret}] }}\n");
        await using var server = await StartAsync();
        await Task.Delay(1000);

        Assert.False(File.Exists(marker), "the command ran");
        Assert.DoesNotContain(Secret, await GetAsync(new Uri(server.Admin!, "health")), StringComparison.Ordinal);
        Assert.Contains(server.Logs.Messages, m => m.Contains("health.yaml(2,19): error HLT036: command checks are off", StringComparison.Ordinal));
    }

    /// <summary>The overrides file kept in the folder, replaced by a link to a file outside: not read, not applied.</summary>
    [Fact]
    public async Task Overrides_LinkedOutside_NotApplied()
    {
        var outside = _outside.Write("overrides.json", """{ "version": 1, "overrides": { "eu": { "kind": "force-down" } } }""");
        File.CreateSymbolicLink(Path.Combine(_folder.Path, "health-overrides.json"), outside);
        await using var server = await StartAsync();

        Assert.Empty(server.Server.Health.Overrides);
        Assert.Contains(server.Logs.Messages, m => m.Contains("health-overrides.json: not read: it is outside the policies folder", StringComparison.Ordinal));
    }

    private static readonly CommandChecksConfig SystemCommands = new() { Enabled = true, Directories = ["/bin", "/usr/bin"] };

    private static async Task<string> GetAsync(Uri uri, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static JsonElement Check(string health, string name) =>
        JsonDocument.Parse(health).RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>
    /// A command check the configuration allows runs; what it prints is shown only to requests with the token
    /// (not to loopback readers without it, nor to policies through the health map, which get "exit 0").
    /// </summary>
    [Theory]
    [InlineData("t0ken")]
    [InlineData("")]
    public async Task HealthCommand_Enabled_OutputOnlyWithTheToken(string token)
    {
        // The output is what a program read (here a file's first line), not anything health.yaml says.
        var file = _outside.Write("secret", Secret + "\n");
        _folder.Write("health.yaml", $"checks:\n  echo: {{ command: [/bin/cat, {file}], interval: 300ms, timeout: 200ms }}\n");
        await using var server = await StartAsync(o =>
        {
            o.Admin.Token = token;
            o.Health.Commands = SystemCommands;
        });
        await TransportTests.WaitUntil(() => server.Server.Health.Statuses.Single(s => s.Name == "echo").Probes > 0, "the first probe", 10000);

        var anonymous = await GetAsync(new Uri(server.Admin!, "health"));

        Assert.DoesNotContain(Secret, anonymous, StringComparison.Ordinal);
        Assert.Equal("exit 0", Check(anonymous, "echo").GetProperty("reason").GetString());
        Assert.DoesNotContain(Secret, server.Server.Health.Current["echo"].Reason ?? "", StringComparison.Ordinal);
        if (token.Length > 0)
        {
            var authenticated = await GetAsync(new Uri(server.Admin!, "health"), token);
            Assert.Equal(Secret, Check(authenticated, "echo").GetProperty("output").GetString());
        }
    }

    /// <summary>With a token set, a request without it sees where each diagnostic is, not its message (which quotes the folder's files).</summary>
    [Fact]
    public async Task GetPolicies_TokenSetNotSent_MessagesHidden()
    {
        _folder.Write("example.org/www.csx", "return 1;");
        await using var server = await StartAsync(o => o.Admin.Token = "t0ken");

        var anonymous = JsonDocument.Parse(await GetAsync(new Uri(server.Admin!, "policies"))).RootElement[0].GetProperty("errors")[0].GetString();
        var authenticated = JsonDocument.Parse(await GetAsync(new Uri(server.Admin!, "policies"), "t0ken")).RootElement[0].GetProperty("errors")[0].GetString();

        Assert.EndsWith("www.csx(1,8): error CS0029: (the message needs the admin token)", anonymous, StringComparison.Ordinal);
        Assert.Contains("www.csx(1,8): error CS0029: Cannot implicitly convert type 'int'", authenticated, StringComparison.Ordinal);
    }

    /// <summary>A health.yaml edit that adds a command the configuration does not allow is an error: the running checks stay.</summary>
    [Fact]
    public async Task HealthYaml_CommandNotAllowedOnReload_PreviousChecksKeepRunning()
    {
        _folder.Write("health.yaml", "checks:\n  na: { tcp: 127.0.0.1:9 }\n");
        await using var server = await StartAsync(o => o.Health.Commands = new CommandChecksConfig { Enabled = true, Directories = [_outside.Path] });

        _folder.Write("health.yaml", "checks:\n  na: { tcp: 127.0.0.1:9 }\n  db: { command: [/usr/bin/id] }\n");
        await server.ReloadAsync();

        Assert.Equal(["na"], server.Server.Health.Statuses.Select(s => s.Name));
        Assert.Contains(server.Logs.Messages, m => m.Contains("health.yaml(3,19): error HLT038: '/usr/bin/id' may not run", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Messages, m => m.Contains("the health checks already running keep running", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("enabled without folders", "Health:Commands:Enabled is true but Health:Commands:Directories lists no folder")]
    [InlineData("relative folder", "Health:Commands:Directories: 'bin' is not an absolute path of an existing folder")]
    [InlineData("relative working directory", "Health:Commands:WorkingDirectory: 'tmp' is not an absolute path")]
    [InlineData("output cap", "Health:Commands:MaxOutputBytes must be between 64 and 1048576 (got 0)")]
    [InlineData("user", "Health:Commands:User: 'no body' is not a user name")]
    [InlineData("include folder", "Files:IncludeDirectories: '/no/such/folder' is not an absolute path of an existing folder")]
    public void Validate_CommandsAndIncludeFolders(string what, string error)
    {
        var options = new ServerOptions();
        switch (what)
        {
            case "enabled without folders": options.Health.Commands.Enabled = true; break;
            case "relative folder": options.Health.Commands.Directories = ["bin"]; break;
            case "relative working directory": options.Health.Commands.WorkingDirectory = "tmp"; break;
            case "output cap": options.Health.Commands.MaxOutputBytes = 0; break;
            case "user": options.Health.Commands.User = "no body"; break;
            default: options.Files.IncludeDirectories = ["/no/such/folder"]; break;
        }

        Assert.Contains(options.Validate(), e => e.StartsWith(error, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        _folder.Dispose();
        _outside.Dispose();
    }
}
