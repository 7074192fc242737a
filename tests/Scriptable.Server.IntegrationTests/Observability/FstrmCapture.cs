using System.Diagnostics;
using System.Globalization;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests.Observability;

/// <summary>
/// <c>fstrm_capture</c> (Debian <c>fstrm-bin</c>), the Frame Streams reference reader: listens on a unix socket or a
/// TCP port, does the bidirectional handshake with each writer, and writes what it reads to a file.
/// </summary>
public sealed class FstrmCapture : IAsyncDisposable
{
    private readonly Process _process;

    private FstrmCapture(Process process, string output)
    {
        _process = process;
        Output = output;
    }

    /// <summary>The file it writes.</summary>
    public string Output { get; }

    /// <summary>Starts a reader on <paramref name="socketPath"/>, writing <paramref name="output"/>; returns once the socket exists.</summary>
    public static async Task<FstrmCapture> StartUnixAsync(string socketPath, string output)
    {
        File.Delete(socketPath);
        var capture = Start(output, "-u", socketPath);
        await WaitAsync(() => File.Exists(socketPath), capture, "its socket " + socketPath);
        return capture;
    }

    /// <summary>Starts a reader on 127.0.0.1:<paramref name="port"/>, writing <paramref name="output"/>; returns once it accepts connections.</summary>
    public static async Task<FstrmCapture> StartTcpAsync(int port, string output)
    {
        var capture = Start(output, "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture));
        await WaitAsync(() => File.ReadAllText("/proc/net/tcp").Contains($":{port:X4} 00000000:0000 0A", StringComparison.Ordinal), capture, "port " + port);
        return capture;
    }

    /// <summary>Sends a signal (STOP, CONT, KILL, TERM).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Stops it (SIGTERM: it closes its file properly) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        await SignalAsync("TERM");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(deadline.Token);
    }

    /// <summary>Kills it at once (SIGKILL) and waits for it to exit.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await SignalAsync("CONT");
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static FstrmCapture Start(string output, params string[] listen)
    {
        var start = new ProcessStartInfo(ExternalTool.Require("fstrm_capture")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-t", "protobuf:dnstap.Dnstap", .. listen, "-w", output])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new FstrmCapture(process, output);
    }

    private static async Task WaitAsync(Func<bool> ready, FstrmCapture capture, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!ready())
        {
            if (capture._process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"fstrm_capture did not open {what} (exited: {capture._process.HasExited}).");
            }

            await Task.Delay(20);
        }
    }
}
