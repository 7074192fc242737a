using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Scriptable.Engine.Trial;

/// <summary>How a watched process ended.</summary>
public enum WatchEnd
{
    /// <summary>It exited by itself with an ordinary exit code.</summary>
    Exited,

    /// <summary>It died: a signal (a stack overflow aborts; an access violation is SIGSEGV) or an abnormal exit code.</summary>
    Crashed,

    /// <summary>A step it reported outlived its deadline, and the watcher stopped it.</summary>
    Overdue,

    /// <summary>The whole run outlived its deadline, and the watcher stopped it.</summary>
    TimedOut,
}

/// <summary>How a watched process ended, and what it was doing then.</summary>
/// <param name="End">How it ended.</param>
/// <param name="ExitCode">Its exit code (128 + the signal number when a signal ended it).</param>
/// <param name="Steps">The steps it was in when it ended (the overdue one first).</param>
/// <param name="Output">Its standard output, when redirected.</param>
/// <param name="ErrorTail">The end of its standard error, when redirected (the runtime's last words: <c>Stack overflow.</c>).</param>
public sealed record WatchOutcome(WatchEnd End, int ExitCode, IReadOnlyList<ProgressStep> Steps, string Output, string ErrorTail)
{
    /// <summary>True when the process died of a stack overflow (whether or not the watcher stopped it first).</summary>
    public bool IsStackOverflow => ErrorTail.Contains("Stack overflow.", StringComparison.Ordinal);

    /// <summary>True when the process died rather than being stopped for time.</summary>
    public bool IsCrash => End == WatchEnd.Crashed || IsStackOverflow;

    /// <summary>
    /// The first frame of policy code in the runtime's last stack trace, as <c> in Node.GetHashCode()</c>
    /// (generated classes are named <c>Policy_&lt;file&gt;_&lt;n&gt;</c>), or empty.
    /// </summary>
    private string PolicyFrame
    {
        get
        {
            foreach (var line in ErrorTail.Split('\n'))
            {
                var at = line.IndexOf("at Policy_", StringComparison.Ordinal);
                if (at < 0)
                {
                    continue;
                }

                var frame = line[(at + 3)..].Trim();
                var inner = frame.IndexOfAny(['+', '.']);
                return inner > 0 && inner + 1 < frame.Length ? " in " + frame[(inner + 1)..] : "";
            }

            return "";
        }
    }

    /// <summary>Why it ended, in words, for a diagnostic: <c>the process crashed (SIGABRT: Stack overflow.)</c>.</summary>
    public string Reason
    {
        get
        {
            var last = ErrorTail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .FirstOrDefault(l => l.StartsWith("Stack overflow", StringComparison.Ordinal) || l.StartsWith("Fatal error", StringComparison.Ordinal)
                    || l.StartsWith("Unhandled exception", StringComparison.Ordinal) || l.StartsWith("Process terminated", StringComparison.Ordinal) || l.Contains("OutOfMemory", StringComparison.Ordinal));
            var said = last is null ? "" : ": " + (last.Length > 200 ? last[..200] : last);
            if (IsStackOverflow)
            {
                // The runtime takes its time printing the overflowing stack: the watcher may have stopped it first.
                return "it overflowed the stack, which kills a .NET process (the runtime said: Stack overflow." + PolicyFrame + ")";
            }

            return End switch
            {
                WatchEnd.Overdue when Steps.Count > 0 => string.Create(CultureInfo.InvariantCulture,
                    $"it was still running after {Steps[0].DeadlineMilliseconds / 1000.0:0.#} s of CPU time (work inside framework code, which no budget interrupts) and was stopped"),
                WatchEnd.TimedOut => "the trial as a whole took too long and was stopped",
                _ => ExitCode switch
                {
                    134 => "it crashed the process (SIGABRT: a stack overflow, or an error the runtime cannot recover from" + said + ")",
                    139 => "it crashed the process (SIGSEGV: an invalid memory access" + said + ")",
                    137 => "the process was killed (SIGKILL: out of memory?" + said + ")",
                    135 => "it crashed the process (SIGBUS" + said + ")",
                    _ => string.Create(CultureInfo.InvariantCulture, $"the process ended with exit code {ExitCode}{said}"),
                },
            };
        }
    }
}

/// <summary>
/// A child process that reports its steps through a <see cref="ProgressFile"/>, watched: a step past its
/// deadline, or the whole run past its own, stops the process (and everything it started); whatever the end,
/// the outcome says what the process was doing. The child runs at a lower CPU priority, so that trying a
/// policy never slows the answering of queries.
/// </summary>
public sealed class WatchedProcess : IDisposable
{
    private const int MaxErrorHead = 4 * 1024;
    private const int MaxErrorTail = 16 * 1024;
    private const int MaxDyingLines = 12;
    private readonly Process _process;
    private readonly ProgressFile _progress;
    private readonly Task<string> _output;
    private readonly Task<string> _errors;
    private bool _killed;

    private WatchedProcess(Process process, ProgressFile progress, Task<string> output, Task<string> errors)
    {
        _process = process;
        _progress = progress;
        _output = output;
        _errors = errors;
    }

    /// <summary>The process.</summary>
    public Process Process => _process;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <paramref name="command"/>. Standard input, output and error are pipes: without
    /// <paramref name="relayTo"/>, write the request to <see cref="Input"/> and read the answer in the outcome;
    /// with it, the child reads this process's input and its output and errors are copied to these writers as
    /// they come (a runtime's stack trace cut short: a stack overflow prints thousands of lines).
    /// <paramref name="memoryMegabytes"/> caps its GC heap (an allocation past it is an OutOfMemoryException there).
    /// </summary>
    /// <exception cref="Win32Exception">The program cannot be started.</exception>
    public static WatchedProcess Start(WorkerCommand command, int memoryMegabytes, (TextWriter Output, TextWriter Errors)? relayTo = null, IReadOnlyDictionary<string, string>? environment = null, bool belowNormal = true)
    {
        var redirect = relayTo is null;
        var progress = ProgressFile.Create();
        try
        {
            var info = new ProcessStartInfo(command.FileName)
            {
                UseShellExecute = false,
                RedirectStandardInput = redirect,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in command.Arguments)
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment[TrialProgress.EnvironmentVariable] = progress.Path;
            if (memoryMegabytes > 0)
            {
                info.Environment["DOTNET_GCHeapHardLimit"] = ((long)memoryMegabytes * 1024 * 1024).ToString("X", CultureInfo.InvariantCulture);
            }

            info.Environment["DOTNET_gcServer"] = "0";
            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            {
                info.Environment[name] = value;
            }

            info.StandardOutputEncoding = Encoding.UTF8;
            info.StandardErrorEncoding = Encoding.UTF8;

            var process = Process.Start(info) ?? throw new Win32Exception("the process did not start");
            if (belowNormal)
            {
                Demote(process);
            }

            var output = relayTo is { } relay ? RelayAsync(process.StandardOutput, relay.Output) : process.StandardOutput.ReadToEndAsync();
            var errors = ReadTailAsync(process.StandardError, relayTo?.Errors);
            return new WatchedProcess(process, progress, output, errors);
        }
        catch
        {
            Delete(progress);
            throw;
        }
    }

    /// <summary>The child's standard input (without relaying).</summary>
    public StreamWriter Input => _process.StandardInput;

    /// <summary>Lowers the process to below-normal CPU priority (a process may always lower its children's).</summary>
    public void Demote() => Demote(_process);

    private static void Demote(Process process)
    {
        try
        {
            process.PriorityClass = ProcessPriorityClass.BelowNormal;
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            // Not allowed here, or already gone: it runs at normal priority.
        }
    }

    /// <summary>
    /// Waits for the process to end, stopping it when a step outlives its deadline or the run outlives
    /// <paramref name="overall"/>; <paramref name="cancellation"/> stops it too.
    /// </summary>
    public WatchOutcome Wait(TimeSpan overall, CancellationToken cancellation = default)
    {
        var started = Environment.TickCount64;
        var limit = (long)overall.TotalMilliseconds;
        List<ProgressStep> steps;
        while (true)
        {
            if (_process.WaitForExit(50))
            {
                break;
            }

            var now = Environment.TickCount64;
            var cpu = CpuMilliseconds();
            steps = _progress.Read();
            var overdue = steps.FirstOrDefault(s => s.IsOverdue(now, cpu));
            if (overdue is not null)
            {
                Kill();
                return Finish(WatchEnd.Overdue, [overdue, .. steps.Where(s => !ReferenceEquals(s, overdue))]);
            }

            if (now - started > limit || cancellation.IsCancellationRequested)
            {
                Kill();
                return Finish(WatchEnd.TimedOut, steps);
            }
        }

        // The file outlives the process: the steps it was in when it died are still there.
        steps = _progress.Read();
        var code = _process.ExitCode;
        return Finish(code is 0 or 1 or 2 ? WatchEnd.Exited : WatchEnd.Crashed, steps);
    }

    /// <summary>The child's CPU time, in milliseconds (0 when it cannot be read).</summary>
    private long CpuMilliseconds()
    {
        try
        {
            _process.Refresh();
            return (long)_process.TotalProcessorTime.TotalMilliseconds;
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            return 0;
        }
    }

    private WatchOutcome Finish(WatchEnd end, List<ProgressStep> steps)
    {
        _process.WaitForExit();
        var output = _output.Wait(TimeSpan.FromSeconds(5)) ? _output.Result : "";
        var errors = _errors.Wait(TimeSpan.FromSeconds(5)) ? _errors.Result : "";
        return new WatchOutcome(end, _process.ExitCode, steps, output, errors);
    }

    /// <summary>Stops the process and everything it started.</summary>
    public void Kill()
    {
        if (_killed)
        {
            return;
        }

        _killed = true;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    /// <summary>Stops the process if it still runs, and deletes its progress file.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
            _process.WaitForExit(2000);
        }

        _process.Dispose();
        Delete(_progress);
    }

    private static void Delete(ProgressFile progress)
    {
        progress.Dispose();
        try
        {
            File.Delete(progress.Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Copies a child's output as it comes, line by line.</summary>
    private static async Task<string> RelayAsync(StreamReader reader, TextWriter writer)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            await writer.WriteLineAsync(line).ConfigureAwait(false);
            await writer.FlushAsync().ConfigureAwait(false);
        }

        return "";
    }

    /// <summary>
    /// The beginning and the end of a stream (the runtime writes why it died first, then a stack trace), copied
    /// line by line to <paramref name="relay"/> if given, except the stack trace of a dying runtime past a few lines.
    /// </summary>
    private static async Task<string> ReadTailAsync(StreamReader reader, TextWriter? relay)
    {
        var head = new StringBuilder();
        var tail = new StringBuilder();
        var dying = -1;
        var skipped = 0;
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (head.Length < MaxErrorHead)
            {
                head.Append(line).Append('\n');
            }
            else
            {
                tail.Append(line).Append('\n');
                if (tail.Length > MaxErrorTail * 2)
                {
                    tail.Remove(0, tail.Length - MaxErrorTail);
                }
            }

            if (relay is null)
            {
                continue;
            }

            if (dying < 0 && (line.StartsWith("Stack overflow.", StringComparison.Ordinal) || line.StartsWith("Unhandled exception.", StringComparison.Ordinal) || line.StartsWith("Fatal error.", StringComparison.Ordinal)))
            {
                dying = 0;
            }

            if (dying >= 0 && dying++ >= MaxDyingLines)
            {
                skipped++;
                continue;
            }

            await relay.WriteLineAsync(line).ConfigureAwait(false);
            await relay.FlushAsync().ConfigureAwait(false);
        }

        if (relay is not null && skipped > 0)
        {
            await relay.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"   ... {skipped} more lines of the runtime's stack trace").AsMemory()).ConfigureAwait(false);
        }

        return tail.Length == 0 ? head.ToString() : head + "...\n" + tail;
    }
}
