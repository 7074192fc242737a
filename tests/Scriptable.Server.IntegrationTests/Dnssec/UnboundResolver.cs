using System.Diagnostics;
using System.Net;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests.Dnssec;

/// <summary>
/// unbound (Debian's <c>unbound</c>, installed by scripts/setup.sh) as a validating resolver on a loopback port: the
/// zones' DS records as trust anchors, each zone a stub pointing at our servers (unbound picks one per query, and
/// another when one does not answer). Killed on dispose.
/// </summary>
public sealed class UnboundResolver : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output;

    private UnboundResolver(Process process, string directory, int port, System.Collections.Concurrent.ConcurrentQueue<string> output)
    {
        _process = process;
        _directory = directory;
        _output = output;
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
    }

    /// <summary>Where unbound answers.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>What unbound logged (validation failures with val-log-level 2).</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Starts unbound trusting <paramref name="trustAnchors"/> (DS lines) for <paramref name="zones"/> served at
    /// <paramref name="servers"/>; with <paramref name="tcpUpstream"/> it asks them over TCP only, so that a stopped
    /// server is a refused connection, passed over at once, rather than a UDP timeout.
    /// </summary>
    public static async Task<UnboundResolver> StartAsync(IReadOnlyList<IPEndPoint> servers, IReadOnlyList<string> zones, IReadOnlyList<string> trustAnchors, bool tcpUpstream = false)
    {
        var unbound = ExternalTool.Require("unbound");
        var failures = new List<string>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("scriptable-unbound-").FullName;
            var port = FreePorts.Next();
            var config = new System.Text.StringBuilder($"""
                server:
                  interface: 127.0.0.1@{port}
                  port: {port}
                  do-ip6: no
                  do-not-query-localhost: no
                  chroot: ""
                  username: ""
                  pidfile: ""
                  directory: "{directory}"
                  use-syslog: no
                  logfile: ""
                  verbosity: 1
                  module-config: "validator iterator"
                  val-log-level: 2
                  num-threads: 1
                  so-reuseport: no
                  tcp-upstream: {(tcpUpstream ? "yes" : "no")}

                """);
            foreach (var anchor in trustAnchors)
            {
                config.Append($"  trust-anchor: \"{anchor}\"\n");
            }

            foreach (var zone in zones)
            {
                config.Append($"stub-zone:\n  name: \"{zone}\"\n");
                foreach (var server in servers)
                {
                    config.Append($"  stub-addr: {server.Address}@{server.Port}\n");
                }
            }

            await File.WriteAllTextAsync(Path.Combine(directory, "unbound.conf"), config.ToString());
            var start = new ProcessStartInfo(unbound)
            {
                ArgumentList = { "-d", "-c", Path.Combine(directory, "unbound.conf") },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var resolver = new UnboundResolver(process, directory, port, output);
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
                try
                {
                    if (await DnsWire.UdpAsync(resolver.EndPoint, RawQuery.Build(zones[0], Engine.Protocol.RecordType.SOA, recursionDesired: true), 500) is not null)
                    {
                        return resolver;
                    }
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // Not bound yet: ICMP port unreachable.
                    await Task.Delay(50);
                }
            }

            failures.Add(resolver.Output);
            await resolver.DisposeAsync();
        }

        throw new InvalidOperationException("unbound did not start:\n" + string.Join("\n", failures));
    }

    /// <summary>Asks unbound (DO, RD) and asserts the answer is authenticated (AD), saying what unbound logged if not.</summary>
    public async Task<ARSoft.Tools.Net.Dns.DnsMessage> ResolveSecureAsync(string name, ushort type)
    {
        var response = await DnsWire.UdpAsync(EndPoint, RawQuery.Build(name, type, recursionDesired: true, edns: new Edns(DnssecOk: true)), 3000);
        Assert.True(response is not null, $"{name} {Engine.Protocol.RecordType.ToText(type)}: no answer from unbound; it said:\n{Output}");
        var message = Responses.Parse(response);
        Assert.True(message.IsAuthenticData, $"{name} {Engine.Protocol.RecordType.ToText(type)}: no AD ({message.ReturnCode}); unbound said:\n{Output}");
        return message;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
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
}
