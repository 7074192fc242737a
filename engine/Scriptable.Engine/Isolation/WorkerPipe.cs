using System.Runtime.InteropServices;

namespace Scriptable.Engine.Isolation;

/// <summary>How a read from a worker's pipe ended.</summary>
internal enum PipeRead
{
    /// <summary>Every byte asked for was read.</summary>
    Done,

    /// <summary>The other end is closed (the process died) or the pipe failed.</summary>
    Closed,

    /// <summary>The deadline passed first.</summary>
    TimedOut,
}

/// <summary>
/// Reads and writes on the pipes between the server and a worker, by file descriptor: a write of a whole message,
/// and a read that waits at most until a deadline (<c>poll</c>). Unix only. Plain system calls, no allocation: the
/// query path goes through here twice per isolated query.
/// </summary>
internal static class WorkerPipe
{
    /// <summary>No deadline.</summary>
    public const long Never = long.MaxValue;

    private const int Eintr = 4;
    private const short PollIn = 0x1;
    private const int FSetPipeSize = 1031;

    /// <summary>Writes all of <paramref name="data"/>; false if the other end is gone.</summary>
    public static bool WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var written = Write(fd, ref MemoryMarshal.GetReference(data), data.Length);
            if (written > 0)
            {
                data = data[(int)written..];
            }
            else if (written == 0 || Marshal.GetLastPInvokeError() != Eintr)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Reads exactly <paramref name="data"/>'s length, waiting until <paramref name="deadline"/> (an
    /// <see cref="Environment.TickCount64"/> value, or <see cref="Never"/>).
    /// </summary>
    public static PipeRead ReadExactly(int fd, Span<byte> data, long deadline)
    {
        var filled = 0;
        return Fill(fd, data, ref filled, deadline);
    }

    /// <summary>
    /// Reads into <paramref name="data"/> from <paramref name="filled"/> on until it is full, waiting until
    /// <paramref name="deadline"/>; <paramref name="filled"/> keeps what was read, so a read that timed out can go on later.
    /// </summary>
    public static PipeRead Fill(int fd, Span<byte> data, ref int filled, long deadline)
    {
        while (filled < data.Length)
        {
            if (deadline != Never)
            {
                var left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    return PipeRead.TimedOut;
                }

                var poll = new PollFd { Fd = fd, Events = PollIn };
                var ready = Poll(ref poll, 1, (int)Math.Min(left, int.MaxValue));
                if (ready == 0 || (ready < 0 && Marshal.GetLastPInvokeError() == Eintr))
                {
                    // Timed out (checked again above: poll's clock and ours may differ by a tick), or a signal.
                    continue;
                }

                if (ready < 0)
                {
                    return PipeRead.Closed;
                }
            }

            var rest = data[filled..];
            var read = Read(fd, ref MemoryMarshal.GetReference(rest), rest.Length);
            if (read > 0)
            {
                filled += (int)read;
            }
            else if (read == 0 || Marshal.GetLastPInvokeError() != Eintr)
            {
                return PipeRead.Closed;
            }
        }

        return PipeRead.Done;
    }

    /// <summary>
    /// Asks for a pipe buffer of <paramref name="bytes"/>, so that a whole query message (up to 64 KiB of TCP
    /// query) fits in it and writing one never waits for the reader. Best effort.
    /// </summary>
    public static void TryGrow(int fd, int bytes)
    {
        try
        {
            _ = Fcntl(fd, FSetPipeSize, bytes);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not Linux: the default buffer serves, a large TCP query waits for the worker to read it.
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    // DllImport, not LibraryImport: the engine does not allow unsafe code, which the generated stubs need. The
    // arguments are blittable (a ref to a byte or a struct is pinned and passed as a pointer).
#pragma warning disable SYSLIB1054, CA5392
    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, ref byte buffer, nint count);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint Write(int fd, ref byte buffer, nint count);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static extern int Poll(ref PollFd fds, nuint count, int timeoutMilliseconds);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int command, int argument);
#pragma warning restore SYSLIB1054, CA5392
}
