using System.Net;
using System.Net.Sockets;
using Scriptable.Server.Configuration;
using Scriptable.Server.Hosting;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// A real server on 127.0.0.1 port 0 (and [::1] when the machine has IPv6), serving zones written to a
/// temporary policies folder. One per test class or test.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly ScriptableServer _server;

    private readonly bool _ownsFolder;

    private TestServer(ScriptableServer server, string policies, ListLoggerProvider logs, bool ownsFolder = true)
    {
        _server = server;
        Policies = policies;
        Logs = logs;
        _ownsFolder = ownsFolder;
    }

    /// <summary>The server's state directory (journal, quarantine, last good versions): a temporary one, deleted on dispose.</summary>
    public string StateDirectory => _server.Containment.StateDirectory ?? "";

    /// <summary>A new temporary state directory, outside any policies folder.</summary>
    internal static string NewStateDirectory() => Directory.CreateTempSubdirectory("scriptable-state-").FullName;

    /// <summary>The policies folder.</summary>
    public string Policies { get; }

    /// <summary>What the server logged.</summary>
    public ListLoggerProvider Logs { get; }

    /// <summary>The IPv4 UDP address.</summary>
    public IPEndPoint Udp => _server.UdpEndPoints[0];

    /// <summary>The IPv4 TCP address.</summary>
    public IPEndPoint Tcp => _server.TcpEndPoints[0];

    /// <summary>The IPv6 address (UDP and TCP share the port), or null without IPv6.</summary>
    public IPEndPoint? Udp6 => _server.UdpEndPoints.Count > 1 ? _server.UdpEndPoints[1] : null;

    /// <summary>The admin endpoint, when the test turned it on (Admin.Listen = "127.0.0.1:0").</summary>
    public Uri? Admin => _server.AdminEndPoint is { } admin ? new Uri($"http://{admin}/") : null;

    /// <summary>The port (UDP and TCP).</summary>
    public int Port => Udp.Port;

    internal ScriptableServer Server => _server;

    /// <summary>True if [::1] can be bound here.</summary>
    public static bool HasIPv6Loopback { get; } = ProbeIPv6();

    /// <summary>Starts a server for zones given as (origin, master file text).</summary>
    public static async Task<TestServer> StartAsync(IEnumerable<(string Origin, string Text)> zones, Action<ServerOptions>? configure = null, bool ipv6 = false)
    {
        var policies = Directory.CreateTempSubdirectory("scriptable-test-").FullName;
        foreach (var (origin, text) in zones)
        {
            var folder = Path.Combine(policies, origin);
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, origin + ".zone"), text);
        }

        var options = new ServerOptions { Policies = policies, UdpThreads = 2, Admin = { Listen = "off" }, StateDirectory = NewStateDirectory() };
        configure?.Invoke(options);
        var listen = new List<IPEndPoint> { new(IPAddress.Loopback, 0) };
        if (ipv6 && HasIPv6Loopback)
        {
            listen.Add(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        }

        var logs = new ListLoggerProvider();
        var server = new ScriptableServer(options, listen, logs);
        await server.StartAsync(CancellationToken.None);
        return new TestServer(server, policies, logs);
    }

    /// <summary>
    /// Starts a server for the example.org zone of <see cref="TempFolder.ExampleZone"/> plus files (policies,
    /// helpers) given as (path relative to the policies folder, text).
    /// </summary>
    public static async Task<TestServer> StartWithFilesAsync(IEnumerable<(string File, string Text)> files, Action<ServerOptions>? configure = null)
    {
        var written = files.ToList();
        return await StartAsync([("example.org", TempFolder.ExampleZone)], options =>
        {
            foreach (var (file, text) in written)
            {
                var full = Path.Combine(options.Policies, file);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, text);
            }

            configure?.Invoke(options);
        });
    }

    /// <summary>Writes a file of the policies folder the way editors save: a temporary file renamed over it.</summary>
    public void Write(string file, string text)
    {
        var full = Path.Combine(Policies, file);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full + ".tmp~", text);
        File.Move(full + ".tmp~", full, overwrite: true);
    }

    /// <summary>
    /// Starts a server for an existing policies folder (the folder is left in place on dispose), on
    /// <paramref name="listen"/> (UDP and TCP) or 127.0.0.1 port 0.
    /// </summary>
    public static async Task<TestServer> StartInFolderAsync(string policies, Action<ServerOptions>? configure = null, IPEndPoint? listen = null)
    {
        var options = new ServerOptions { Policies = policies, UdpThreads = 2, Admin = { Listen = "off" }, StateDirectory = NewStateDirectory() };
        configure?.Invoke(options);
        var logs = new ListLoggerProvider();
        var server = new ScriptableServer(options, [listen ?? new IPEndPoint(IPAddress.Loopback, 0)], logs);
        await server.StartAsync(CancellationToken.None);
        return new TestServer(server, policies, logs, ownsFolder: false);
    }

    /// <summary>Starts a server for the example.org test zone.</summary>
    public static Task<TestServer> StartExampleAsync(Action<ServerOptions>? configure = null, bool ipv6 = false) =>
        StartAsync([("example.org", TestZones.ExampleOrg)], configure, ipv6);

    /// <summary>One query over UDP; null on timeout.</summary>
    public Task<byte[]?> UdpAsync(byte[] query, int timeoutMs = 2000) => DnsWire.UdpAsync(Udp, query, timeoutMs);

    /// <summary>One query over a new TCP connection.</summary>
    public Task<byte[]> TcpAsync(byte[] query) => DnsWire.TcpAsync(Tcp, query);

    /// <summary>Reloads the policies folder, as SIGHUP does.</summary>
    public Task ReloadAsync() => _server.ReloadAsync(CancellationToken.None);

    /// <summary>Queries whose processing threw.</summary>
    public long Failures => _server.Pipeline.Sum(c => c.Failures);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        if (StateDirectory.Length > 0 && Path.GetFileName(StateDirectory).StartsWith("scriptable-state-", StringComparison.Ordinal))
        {
            try
            {
                Directory.Delete(StateDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        if (!_ownsFolder)
        {
            return;
        }

        try
        {
            Directory.Delete(Policies, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static bool ProbeIPv6()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
