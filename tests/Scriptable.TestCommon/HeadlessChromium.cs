using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Scriptable.TestCommon;

/// <summary>
/// Chromium (Debian package <c>chromium</c>) started headless with its DevTools port chosen by the system
/// (<c>--remote-debugging-port=0</c>, read back from <c>DevToolsActivePort</c> in a temporary profile), and a
/// <see cref="CdpClient"/> on its first page. Killed, profile deleted, on dispose.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;

    private HeadlessChromium(Process process, string profile, CdpClient page)
    {
        _process = process;
        _profile = profile;
        Page = page;
    }

    /// <summary>The browser's first page.</summary>
    public CdpClient Page { get; }

    /// <summary>Starts the browser (the <c>chromium</c> on PATH) and connects to its page; throws if it does not come up in time.</summary>
    public static async Task<HeadlessChromium> StartAsync(int width = 1280, int height = 1000)
    {
        var profile = Directory.CreateTempSubdirectory("scriptable-chromium-").FullName;
        var start = new ProcessStartInfo(ExternalTool.Require("chromium"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[
            "--headless=new", "--no-sandbox", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "--user-data-dir=" + profile,
            "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--metrics-recording-only", "--mute-audio",
            $"--window-size={width},{height}", "about:blank"])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;

        // Chromium is chatty on stderr (D-Bus, GPU); drained so that it never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var port = await ReadPortAsync(profile, process);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var page = await FindPageAsync(http, port);
            return new HeadlessChromium(process, profile, await CdpClient.ConnectAsync(page));
        }
        catch
        {
            Kill(process);
            Delete(profile);
            throw;
        }
    }

    /// <summary>The DevTools port, from the first line of <c>DevToolsActivePort</c> (written once the port is open).</summary>
    private static async Task<int> ReadPortAsync(string profile, Process process)
    {
        var file = Path.Combine(profile, "DevToolsActivePort");
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"chromium exited with code {process.ExitCode} before opening its DevTools port.");
            }

            if (File.Exists(file))
            {
                var lines = await File.ReadAllLinesAsync(file);
                if (lines.Length >= 2 && int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                {
                    return port;
                }
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("chromium did not write DevToolsActivePort within 20 s.");
    }

    private static async Task<Uri> FindPageAsync(HttpClient http, int port)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            using var targets = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list")));
            foreach (var target in targets.RootElement.EnumerateArray())
            {
                if (target.GetProperty("type").GetString() == "page" && target.TryGetProperty("webSocketDebuggerUrl", out var url))
                {
                    return new Uri(url.GetString()!);
                }
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException("chromium has no page target.");
            }

            await Task.Delay(25);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Page.DisposeAsync();
        Kill(_process);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _process.Dispose();
        Delete(_profile);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static void Delete(string profile)
    {
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
