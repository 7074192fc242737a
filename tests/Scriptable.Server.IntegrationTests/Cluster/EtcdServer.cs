using System.Collections.Concurrent;
using System.Diagnostics;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests.Cluster;

/// <summary>
/// A real single-member etcd (Debian etcd-server, the v3 API) on loopback ports picked here, with a temporary data
/// directory; it can be stopped (killed) and started again on the same ports and data, and is killed on dispose.
/// One per test class (an <see cref="Xunit.IClassFixture{TFixture}"/>): tests keep apart by cluster name.
/// </summary>
public sealed class EtcdServer : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly string _directory = Directory.CreateTempSubdirectory("scriptable-etcd-").FullName;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly int _peerPort = FreePorts.Next();
    private Process? _process;

    /// <summary>The client port.</summary>
    public int Port { get; } = FreePorts.Next();

    /// <summary>The client URL, for <c>Cluster:Etcd</c>.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Starts etcd (when etcd is installed; tests skip otherwise) and waits until it answers.</summary>
    public EtcdServer()
    {
        if (ExternalTool.Find("etcd") is not null)
        {
            Start();
        }
    }

    /// <summary>Starts etcd on the same ports and data directory, and waits until it is healthy (10 s at most).</summary>
    public void Start()
    {
        var start = new ProcessStartInfo(ExternalTool.Require("etcd"))
        {
            ArgumentList =
            {
                "--name", "test", "--data-dir", Path.Combine(_directory, "data"),
                "--listen-client-urls", Url, "--advertise-client-urls", Url,
                "--listen-peer-urls", $"http://127.0.0.1:{_peerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{_peerPort}",
                "--initial-cluster", $"test=http://127.0.0.1:{_peerPort}", "--log-level", "warn",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
        {
            try
            {
                if (Http.GetStringAsync(new Uri(Url + "/health")).GetAwaiter().GetResult().Contains("true", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            Thread.Sleep(50);
        }

        throw new InvalidOperationException($"etcd did not start ({(process.HasExited ? $"exited with {process.ExitCode}" : "no health in 10 s")}): {string.Join(" | ", _output)}");
    }

    /// <summary>Kills etcd (as a crash would) and waits for it to be gone.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
