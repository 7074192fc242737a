using System.Buffers.Binary;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Text;
using Scriptable.Engine.Trial;

namespace Scriptable.Engine.Isolation;

/// <summary>
/// One policy worker process as the server sees it: the process, the two pipes of its channel (its standard input
/// and output), its standard error kept for why it died, and the buffer of the last message it sent. Used by one
/// thread at a time (whoever holds its <see cref="WorkerChannel"/>).
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private const int PipeBytes = 1024 * 1024;
    private const int MaxErrorHead = 4 * 1024;
    private const int MaxErrorTail = 16 * 1024;

    private readonly Process _process;
    private readonly SafeHandle _input;
    private readonly SafeHandle _output;
    private readonly int _inputFd;
    private readonly int _outputFd;
    private readonly Task<string> _errors;
    private readonly byte[] _length = new byte[4];
    private byte[] _message = new byte[64 * 1024];
    private int _messageLength;
    private int _headerFilled;
    private int _bodyLength = -1;
    private int _bodyFilled;
    private bool _killed;

    private WorkerProcess(Process process, string user)
    {
        _process = process;
        User = user;
        _input = Handle(process.StandardInput.BaseStream);
        _output = Handle(process.StandardOutput.BaseStream);
        _inputFd = (int)_input.DangerousGetHandle();
        _outputFd = (int)_output.DangerousGetHandle();
        WorkerPipe.TryGrow(_inputFd, PipeBytes);
        _errors = ReadErrorsAsync(process.StandardError);
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whom the process runs as, in words (<c>nobody (uid 65534)</c>, or <c>the server's user</c>).</summary>
    public string User { get; }

    /// <summary>The last message read (its kind first).</summary>
    public ReadOnlySpan<byte> Message => _message.AsSpan(0, _messageLength);

    /// <summary>
    /// Starts <c>command __policy-worker</c>: with a clean environment and the heap limit, in <c>/</c>, and when
    /// this process is root, as an unprivileged user with no way back (<c>setpriv</c>, <see cref="WorkerUser"/>).
    /// </summary>
    /// <exception cref="Win32Exception">The program cannot be started.</exception>
    public static WorkerProcess Start(WorkerCommand command, WorkerSettings settings)
    {
        var user = WorkerUser.Resolve(settings.User);
        var info = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = "/",
        };
        var arguments = new List<string>();
        if (WorkerUser.SetPriv is { } setpriv)
        {
            // No new privileges (setuid programs stay as they are), and when root, another user and no groups.
            info.FileName = setpriv;
            if (user is { } drop)
            {
                arguments.Add(string.Create(CultureInfo.InvariantCulture, $"--reuid={drop.Uid}"));
                arguments.Add(string.Create(CultureInfo.InvariantCulture, $"--regid={drop.Gid}"));
                arguments.Add("--clear-groups");
            }

            arguments.Add("--no-new-privs");
            arguments.Add("--");
            arguments.Add(command.FileName);
        }
        else
        {
            info.FileName = command.FileName;
        }

        arguments.AddRange(command.Arguments);
        arguments.Add(PolicyWorker.Verb);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Only what the runtime needs: the server's environment may hold secrets (an admin token).
        info.Environment.Clear();
        foreach (var name in (string[])["PATH", "DOTNET_ROOT", "LANG", "LC_ALL", "TZ"])
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                info.Environment[name] = value;
            }
        }

        info.Environment["HOME"] = "/";
        info.Environment["DOTNET_GCHeapHardLimit"] = ((long)settings.MemoryMegabytes * 1024 * 1024).ToString("X", CultureInfo.InvariantCulture);
        info.Environment["DOTNET_gcServer"] = "0";

        // No debugger, profiler or diagnostics socket: nothing can attach to a worker through the runtime.
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        var process = Process.Start(info) ?? throw new Win32Exception("the worker process did not start");
        try
        {
            return new WorkerProcess(process, user is { } u ? $"{u.Name} (uid {u.Uid})" : "the server's user");
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
    }

    /// <summary>Sends a message and reads the answer into <see cref="Message"/>, waiting until <paramref name="deadline"/> (<see cref="Environment.TickCount64"/>).</summary>
    public PipeRead Exchange(ReadOnlySpan<byte> message, long deadline) =>
        WorkerPipe.WriteAll(_inputFd, message) ? Read(deadline) : PipeRead.Closed;

    /// <summary>
    /// Reads one message into <see cref="Message"/>. A read that timed out goes on where it stopped at the next call
    /// (a reaper waits longer for an answer a query gave up on).
    /// </summary>
    public PipeRead Read(long deadline)
    {
        if (_bodyLength < 0)
        {
            var header = WorkerPipe.Fill(_outputFd, _length, ref _headerFilled, deadline);
            if (header != PipeRead.Done)
            {
                return header;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(_length);
            if (length is <= 0 or > WireWriter.MaxMessage)
            {
                // Not our protocol: whatever it is, this channel cannot be trusted any more.
                return PipeRead.Closed;
            }

            if (length > _message.Length)
            {
                _message = new byte[Math.Max(length, _message.Length * 2)];
            }

            _bodyLength = length;
            _bodyFilled = 0;
        }

        var body = WorkerPipe.Fill(_outputFd, _message.AsSpan(0, _bodyLength), ref _bodyFilled, deadline);
        if (body != PipeRead.Done)
        {
            return body;
        }

        _messageLength = _bodyLength;
        _bodyLength = -1;
        _headerFilled = 0;
        return PipeRead.Done;
    }

    /// <summary>Calls <paramref name="exited"/> once the process has ended (at once if it already has), on a pool thread.</summary>
    public void WatchExit(Action exited)
    {
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => exited();
        if (_process.HasExited)
        {
            // Ended before the handler was in place: the event may have been raised with no one to hear it.
            ThreadPool.QueueUserWorkItem(_ => exited());
        }
    }

    /// <summary>Kills the process (SIGKILL); it cannot catch it or hold on.</summary>
    public void Kill()
    {
        if (_killed)
        {
            return;
        }

        _killed = true;
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// Why the process ended, in words, once it has (waiting at most <paramref name="wait"/> for it to end and for
    /// its last words on standard error): <c>it overflowed the stack ... (the runtime said: Stack overflow. in Node.GetHashCode())</c>.
    /// </summary>
    public string Reason(TimeSpan wait)
    {
        var exited = _process.WaitForExit(wait);
        var errors = _errors.Wait(wait) ? _errors.Result : "";
        if (!exited)
        {
            return "it did not end";
        }

        var end = _killed ? WatchEnd.Overdue : WatchEnd.Crashed;
        return new WatchOutcome(end, _process.ExitCode, [], "", errors).Reason;
    }

    /// <summary>Closes the channel and kills the process if it still runs.</summary>
    public void Dispose()
    {
        Kill();
        _process.WaitForExit(1000);
        _input.DangerousRelease();
        _output.DangerousRelease();
        _process.Dispose();
    }

    private static SafeHandle Handle(Stream stream)
    {
        SafeHandle handle = stream switch
        {
            PipeStream pipe => pipe.SafePipeHandle,
            FileStream file => file.SafeFileHandle,
            _ => throw new NotSupportedException($"a worker's standard stream is a {stream.GetType().Name}, not a pipe"),
        };
        var added = false;
        handle.DangerousAddRef(ref added);
        return handle;
    }

    /// <summary>The beginning and the end of the worker's standard error (the runtime writes why it died first, then a stack trace).</summary>
    private static async Task<string> ReadErrorsAsync(StreamReader reader)
    {
        var head = new StringBuilder();
        var tail = new StringBuilder();
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (head.Length < MaxErrorHead)
                {
                    head.Append(line).Append('\n');
                    continue;
                }

                tail.Append(line).Append('\n');
                if (tail.Length > MaxErrorTail * 2)
                {
                    tail.Remove(0, tail.Length - MaxErrorTail);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Closed under us: what was read is what there is.
        }

        return tail.Length == 0 ? head.ToString() : head + "...\n" + tail;
    }
}
