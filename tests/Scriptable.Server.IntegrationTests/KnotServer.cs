using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// knotd (Debian's <c>knot</c>, installed by scripts/setup.sh) serving a zone on a loopback port: the
/// reference implementation our answers are compared with.
/// </summary>
public sealed class KnotServer : IAsyncDisposable
{
    private readonly NameServerProcess _knotd;

    private KnotServer(NameServerProcess knotd, int port)
    {
        _knotd = knotd;
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
    }

    /// <summary>Where knotd answers (UDP and TCP).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>
    /// Starts knotd for one zone and waits until it answers. A port can be taken between our check and
    /// knotd's bind (parallel tests open many sockets), so a start that fails is retried on another port.
    /// </summary>
    public static async Task<KnotServer> StartAsync(string origin, string zoneText)
    {
        var failures = new List<string>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var server = await TryStartAsync(origin, zoneText, failures);
            if (server is not null)
            {
                return server;
            }
        }

        throw new InvalidOperationException("knotd did not start:\n" + string.Join("\n", failures));
    }

    private static async Task<KnotServer?> TryStartAsync(string origin, string zoneText, List<string> failures)
    {
        var directory = Directory.CreateTempSubdirectory("scriptable-knot-").FullName;
        var zoneFile = Path.Combine(directory, origin + ".zone");
        await File.WriteAllTextAsync(zoneFile, zoneText);
        var port = FreePorts.Next();
        await File.WriteAllTextAsync(Path.Combine(directory, "knot.conf"), $"""
            server:
                rundir: "{directory}"
                listen: 127.0.0.1@{port}
                edns-client-subnet: on
                udp-workers: 1
                tcp-workers: 1
                background-workers: 1
            database:
                storage: "{directory}/db"
            template:
              - id: default
                storage: "{directory}"
                zonefile-sync: -1
                zonefile-load: whole
                journal-content: none
            zone:
              - domain: {origin}
                file: "{zoneFile}"
            """);
        var server = new KnotServer(NameServerProcess.Start("knotd", "knotd", ["-c", Path.Combine(directory, "knot.conf")], directory, port), port);
        var probe = RawQuery.Build(origin, Engine.Protocol.RecordType.SOA);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10) && server._knotd.Running)
        {
            try
            {
                if (await DnsWire.UdpAsync(server.EndPoint, probe, 200) is not null)
                {
                    return server;
                }
            }
            catch (SocketException)
            {
                // Not listening yet (ICMP port unreachable).
                await Task.Delay(100);
            }
        }

        failures.Add($"port {port}: {(server._knotd.Running ? "no answer in 10 s" : "exited")}; knotd said: {server._knotd.Log}");
        await server.DisposeAsync();
        return null;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _knotd.DisposeAsync();
}
