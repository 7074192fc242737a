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
    private readonly Process _process;
    private readonly string _directory;

    private KnotServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
    }

    /// <summary>Where knotd answers (UDP and TCP).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Starts knotd for one zone and waits until it answers.</summary>
    public static async Task<KnotServer> StartAsync(string origin, string zoneText)
    {
        var knotd = ExternalTool.Require("knotd");
        var directory = Directory.CreateTempSubdirectory("scriptable-knot-").FullName;
        var zoneFile = Path.Combine(directory, origin + ".zone");
        await File.WriteAllTextAsync(zoneFile, zoneText);
        var port = FreePort();
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
        var start = new ProcessStartInfo(knotd)
        {
            ArgumentList = { "-c", Path.Combine(directory, "knot.conf") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new KnotServer(process, directory, port);
        var probe = RawQuery.Build(origin, Engine.Protocol.RecordType.SOA);
        for (var i = 0; i < 50; i++)
        {
            if (process.HasExited)
            {
                break;
            }

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

        await server.DisposeAsync();
        throw new InvalidOperationException($"knotd did not start on port {port}.");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
