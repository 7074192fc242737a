using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Scriptable.Server.IntegrationTests;

/// <summary>The real <c>scriptable</c> program run as a child process, for CLI, signal and config tests.</summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<IPEndPoint> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private string? _ownedState;

    private ServerProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Everything printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// The program in the server project's own build output (same configuration as the tests), run with its
    /// own dependency manifest rather than the test project's.
    /// </summary>
    public static string ProgramPath { get; } = FindProgram();

    private static string FindProgram()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Scriptable.TestCommon.RepositoryPaths.Combine("engine", "Scriptable.Server", "bin", testBin.Parent!.Name, testBin.Name, "scriptable.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the server first (dotnet build).", path);
    }

    /// <summary>Starts <c>dotnet scriptable.dll args</c> in a working directory (admin endpoint off unless the environment turns it on).</summary>
    public static ServerProcess Start(string workingDirectory, IDictionary<string, string>? environment, params string[] args) =>
        StartProgram("dotnet", [ProgramPath, .. args], workingDirectory, environment);

    /// <summary>Starts another program that becomes the server (<c>bash scripts/run.sh</c>), with the same environment rules.</summary>
    public static ServerProcess StartProgram(string file, IReadOnlyList<string> args, string workingDirectory, IDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Tests run servers side by side: no admin endpoint unless a test asks for one, and a state directory of
        // their own (deleted with the process) unless the test gives one.
        start.Environment["SCRIPTABLE_Admin__Listen"] = "off";
        string? ownedState = null;
        if (environment?.ContainsKey("SCRIPTABLE_StateDirectory") != true)
        {
            ownedState = TestServer.NewStateDirectory();
            start.Environment["SCRIPTABLE_StateDirectory"] = ownedState;
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process) { _ownedState = ownedState };
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits for the first "Listening on" line and returns its address.</summary>
    public async Task<IPEndPoint> WaitListeningAsync(int timeoutMs = 120000)
    {
        var done = await Task.WhenAny(_listening.Task, Task.Delay(timeoutMs), _process.WaitForExitAsync());
        if (done != _listening.Task)
        {
            throw new InvalidOperationException("The server did not start listening. Output:\n" + Output);
        }

        return await _listening.Task;
    }

    /// <summary>Runs <c>scriptable args</c> (a tool: test, query, check) in <paramref name="workingDirectory"/> to its end, within 3 minutes.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string workingDirectory, params string[] args)
    {
        await using var process = Start(workingDirectory, null, args);
        Assert.True(await process.WaitForExitAsync(180000), "scriptable " + string.Join(' ', args) + " did not exit\n" + process.Output);
        return (process.ExitCode, process.Output.ReplaceLineEndings("\n"));
    }

    /// <summary>Waits for exit; false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(int timeoutMs)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Sends a POSIX signal (TERM, INT, HUP).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
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
        if (_ownedState is not null)
        {
            try
            {
                Directory.Delete(_ownedState, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        var match = ListeningPattern().Match(line);
        if (match.Success && IPEndPoint.TryParse(match.Groups[1].Value, out var endPoint))
        {
            _listening.TrySetResult(endPoint);
        }
    }

    [GeneratedRegex(@"Listening on (\S+) ")]
    private static partial Regex ListeningPattern();
}
