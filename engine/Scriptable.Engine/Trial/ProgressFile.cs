using System.IO.MemoryMappedFiles;
using System.Text;

namespace Scriptable.Engine.Trial;

/// <summary>
/// A small memory-mapped file through which a process running user code (a trial, <c>scriptable test</c>)
/// tells the process watching it what it is doing right now, with a deadline for each step: if the child
/// dies (a stack overflow cannot be caught) or hangs inside framework code (which no budget interrupts), the
/// watcher still knows which policy and which question did it. Writes are plain stores into shared memory:
/// nothing is sent, so a step costs well under a microsecond and survives the writer's death.
/// </summary>
/// <remarks>
/// Layout: a header, then <see cref="Slots"/> slots of <see cref="SlotSize"/> bytes, one per writing thread:
/// sequence (int64, odd while the slot is being written), start (<see cref="Environment.TickCount64"/>, a
/// monotonic clock shared by all processes of the machine), deadline in milliseconds (int32), text length
/// (int32), the writer's CPU time at the start in milliseconds (int64), then the UTF-8 text
/// <c>file\tstep</c>. A length of 0 is an idle slot.
/// </remarks>
internal sealed class ProgressFile : IDisposable
{
    /// <summary>Slots: one per thread that runs user code at the same time (compiles run in parallel).</summary>
    public const int Slots = 16;

    /// <summary>Bytes per slot.</summary>
    public const int SlotSize = 512;

    private const int HeaderSize = 64;
    private const int TextOffset = 32;
    private const int MaxText = SlotSize - TextOffset;
    private const long Magic = 0x5352505f_4c414952; // "RIAL_PRS"

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;

    private ProgressFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view)
    {
        Path = path;
        _map = map;
        _view = view;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Total size of the file.</summary>
    public static int Size => HeaderSize + (Slots * SlotSize);

    /// <summary>Creates a new, empty progress file (the watcher's side).</summary>
    public static ProgressFile Create()
    {
        // /dev/shm when there is one: memory only, never written back to a disk.
        var folder = Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        var path = System.IO.Path.Combine(folder, $"scriptable-progress-{Environment.ProcessId}-{Guid.NewGuid():N}");
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            stream.SetLength(Size);
        }

        var file = Open(path);
        file._view.Write(0, Magic);
        return file;
    }

    /// <summary>Opens an existing progress file (the child's side).</summary>
    public static ProgressFile Open(string path)
    {
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
        try
        {
            return new ProgressFile(path, map, map.CreateViewAccessor(0, Size, MemoryMappedFileAccess.ReadWrite));
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>True when the file carries the expected header.</summary>
    public bool IsValid => _view.ReadInt64(0) == Magic;

    /// <summary>Writes a step into a slot (seqlock: readers retry while the sequence is odd).</summary>
    public void Write(int slot, string file, string step, long started, long cpuStarted, int deadlineMilliseconds)
    {
        var at = HeaderSize + ((long)slot * SlotSize);
        var sequence = _view.ReadInt64(at);
        _view.Write(at, sequence | 1);
        Span<byte> text = stackalloc byte[MaxText];
        var length = Encode(file + "\t" + step, text);
        _view.Write(at + 8, started);
        _view.Write(at + 16, deadlineMilliseconds);
        _view.Write(at + 24, cpuStarted);
        _view.WriteArray(at + TextOffset, text.ToArray(), 0, length);
        _view.Write(at + 20, length);
        _view.Write(at, (sequence | 1) + 1);
    }

    /// <summary>Marks a slot idle.</summary>
    public void Clear(int slot)
    {
        var at = HeaderSize + ((long)slot * SlotSize);
        var sequence = _view.ReadInt64(at);
        _view.Write(at, sequence | 1);
        _view.Write(at + 20, 0);
        _view.Write(at, (sequence | 1) + 1);
    }

    /// <summary>The steps in progress now.</summary>
    public List<ProgressStep> Read()
    {
        var steps = new List<ProgressStep>();
        var buffer = new byte[MaxText];
        for (var slot = 0; slot < Slots; slot++)
        {
            var at = HeaderSize + ((long)slot * SlotSize);
            for (var attempt = 0; attempt < 100; attempt++)
            {
                var before = _view.ReadInt64(at);
                if ((before & 1) != 0)
                {
                    Thread.SpinWait(20);
                    continue;
                }

                var length = Math.Clamp(_view.ReadInt32(at + 20), 0, MaxText);
                var started = _view.ReadInt64(at + 8);
                var deadline = _view.ReadInt32(at + 16);
                var cpuStarted = _view.ReadInt64(at + 24);
                _view.ReadArray(at + TextOffset, buffer, 0, length);
                if (_view.ReadInt64(at) != before)
                {
                    continue;
                }

                if (length > 0)
                {
                    var text = Encoding.UTF8.GetString(buffer, 0, length);
                    var tab = text.IndexOf('\t', StringComparison.Ordinal);
                    steps.Add(new ProgressStep(tab < 0 ? text : text[..tab], tab < 0 ? "" : text[(tab + 1)..], started, cpuStarted, deadline));
                }

                break;
            }
        }

        return steps;
    }

    /// <summary>UTF-8 of <paramref name="text"/> cut to fit, never in the middle of a character.</summary>
    private static int Encode(string text, Span<byte> destination)
    {
        var encoder = Encoding.UTF8.GetEncoder();
        encoder.Convert(text, destination, flush: true, out _, out var used, out _);
        return used;
    }

    /// <summary>Unmaps the file (the watcher also deletes it).</summary>
    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
    }
}

/// <summary>A step a watched process was in: the policy (or fixture) file, what it was doing, since when, and for how long it may.</summary>
/// <param name="File">The file being worked on, as shown to users.</param>
/// <param name="What">The step: <c>compiling</c>, <c>initialising its static fields</c>, <c>answering A www.example.com. ...</c>.</param>
/// <param name="Started">When it started (<see cref="Environment.TickCount64"/>).</param>
/// <param name="CpuStarted">The process's CPU time when it started, in milliseconds.</param>
/// <param name="DeadlineMilliseconds">How much CPU time it may take before the watcher stops the process.</param>
public sealed record ProgressStep(string File, string What, long Started, long CpuStarted, int DeadlineMilliseconds)
{
    /// <summary>
    /// True once the step has used more CPU time than its deadline (at <paramref name="cpuNow"/>, the process's
    /// CPU time), or has lasted ten times as long in wall-clock time (<paramref name="now"/>) with at least a
    /// minute: a busy machine slows a step down but does not make it overdue, and a step that waits rather
    /// than computes is still stopped.
    /// </summary>
    public bool IsOverdue(long now, long cpuNow) => DeadlineMilliseconds > 0
        && (cpuNow - CpuStarted > DeadlineMilliseconds || now - Started > Math.Max(60_000L, 10L * DeadlineMilliseconds));
}
