using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// named (Debian's <c>bind9</c>, installed by scripts/setup.sh) as the primary of the zones given, on a loopback port
/// in a folder of its own (a <see cref="NameServerProcess"/>): the reference for how zone files are read.
/// </summary>
public sealed class BindServer : IAsyncDisposable
{
    private readonly NameServerProcess _named;

    private BindServer(NameServerProcess named, int port)
    {
        _named = named;
        Port = port;
    }

    /// <summary>The port named answers on, UDP and TCP, at 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>What named has logged so far.</summary>
    public string Log => _named.Log;

    /// <summary>
    /// Starts named with one primary zone per (origin, zone text), transfers allowed from loopback, and waits until
    /// the first zone's SOA is answered. A port taken between our check and named's bind is retried on another.
    /// </summary>
    public static async Task<BindServer> StartAsync(params (string Origin, string Text)[] zones)
    {
        var failures = new List<string>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("scriptable-named-").FullName;
            var port = FreePorts.Next();
            var declarations = new System.Text.StringBuilder();
            foreach (var (origin, text) in zones)
            {
                var file = Path.Combine(directory, origin.TrimEnd('.') + ".zone");
                await File.WriteAllTextAsync(file, text);
                declarations.Append($"zone \"{origin}\" {{ type primary; file \"{file}\"; check-names ignore; }};\n");
            }

            await File.WriteAllTextAsync(Path.Combine(directory, "named.conf"), $$"""
                options {
                    directory "{{directory}}";
                    pid-file "{{directory}}/named.pid";
                    session-keyfile "{{directory}}/session.key";
                    listen-on port {{port}} { 127.0.0.1; };
                    listen-on-v6 { none; };
                    recursion no;
                    dnssec-validation no;
                    allow-transfer { 127.0.0.0/8; };
                };
                controls { };
                {{declarations}}
                """);
            var server = new BindServer(NameServerProcess.Start("named", "named", ["-g", "-n", "1", "-c", Path.Combine(directory, "named.conf")], directory, port), port);
            var probe = RawQuery.Build(zones[0].Origin, Engine.Protocol.RecordType.SOA);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(15) && server._named.Running)
            {
                try
                {
                    if (await DnsWire.UdpAsync(new IPEndPoint(IPAddress.Loopback, port), probe, 200) is { } answer && Responses.Parse(answer).AnswerRecords.Count > 0)
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

            failures.Add($"port {port}: {(server._named.Running ? "no SOA in 15 s" : "exited")}; named said: {server.Log}");
            await server.DisposeAsync();
        }

        throw new InvalidOperationException("named did not start:\n" + string.Join("\n", failures));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _named.DisposeAsync();
}
