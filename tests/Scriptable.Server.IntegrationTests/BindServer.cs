using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// named (Debian's <c>bind9</c>, installed by scripts/setup.sh) on a loopback port, in a folder of its own, with
/// the zones given: the reference for how zone files are read.
/// </summary>
public sealed class BindServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;

    private BindServer(Process process, ConcurrentQueue<string> output, string directory, int port)
    {
        _process = process;
        _output = output;
        Directory = directory;
        Port = port;
    }

    /// <summary>named's folder: its configuration, the zone files, its pid file.</summary>
    public string Directory { get; }

    /// <summary>The port named answers on, UDP and TCP, at 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>What named has logged so far.</summary>
    public string Log => string.Join('\n', _output);

    /// <summary>
    /// Starts named with one primary zone per (origin, zone text), transfers allowed from loopback, and waits until
    /// the first zone's SOA is answered. A port taken between our check and named's bind is retried on another.
    /// </summary>
    public static async Task<BindServer> StartAsync(params (string Origin, string Text)[] zones)
    {
        var named = ExternalTool.Require("named");
        var failures = new List<string>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var directory = System.IO.Directory.CreateTempSubdirectory("scriptable-named-").FullName;
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
            var start = new ProcessStartInfo(named)
            {
                ArgumentList = { "-g", "-n", "1", "-c", Path.Combine(directory, "named.conf") },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var output = new ConcurrentQueue<string>();
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new BindServer(process, output, directory, port);
            var probe = RawQuery.Build(zones[0].Origin, Engine.Protocol.RecordType.SOA);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(15) && !process.HasExited)
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

            failures.Add($"port {port}: {(process.HasExited ? $"exited with {process.ExitCode}" : "no SOA in 15 s")}; named said: {server.Log}");
            await server.DisposeAsync();
        }

        throw new InvalidOperationException("named did not start:\n" + string.Join("\n", failures));
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
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
