using System.Runtime.InteropServices;

namespace Scriptable.Engine.Policies;

/// <summary>
/// The stack of every thread that runs policy code, and why it is enough. The budget stops a policy's own
/// recursion at <c>MaxStackBytes</c> (256 KiB by default), but framework code recurses without checks: a chain
/// of <c>Distinct()</c> counted by <c>Count()</c> recurses once per level inside LINQ. Such a structure costs
/// heap per level, and the heap a policy can allocate in one invocation is bounded by its memory budget, so
/// the framework's recursion over it is bounded too: measured, a <c>Distinct</c> level takes 64 bytes of heap
/// and under 256 bytes of stack (a ratio of 4). With <see cref="StackBytes"/> = 8 x
/// <see cref="MaxMemoryBytes"/>, anything a policy can build within its largest budget can be walked
/// recursively with a margin of 2 over the worst ratio measured.
/// </summary>
/// <remarks>
/// The server sets <c>System.Threading.DefaultStackSize</c> to <see cref="StackBytes"/> in its runtimeconfig (for
/// thread-pool threads: TCP queries) and creates its UDP loops, the CLI's worker thread and the load-time
/// initialisation thread with it. A stack is address space reserved, not memory: pages are committed as they
/// are touched. Not covered: structures a policy accumulates across queries in static fields (each query
/// within its budget, the sum not).
/// </remarks>
internal static class PolicyThreads
{
    /// <summary>Stack of every thread that runs policy code: 512 MiB.</summary>
    public const int StackBytes = 512 * 1024 * 1024;

    /// <summary>The largest memory budget a policy or the configuration may set: 64 MiB (<see cref="StackBytes"/> / 8).</summary>
    public const int MaxMemoryKilobytes = StackBytes / 8 / 1024;

    /// <summary>Starts a background thread with <see cref="StackBytes"/> of stack.</summary>
    public static Thread Start(string name, ThreadStart start)
    {
        var thread = new Thread(start, StackBytes) { IsBackground = true, Name = name };
        thread.Start();
        return thread;
    }

    /// <summary>The calling thread's id in the operating system (Linux), or 0 elsewhere.</summary>
    public static int CurrentOsThreadId()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        try
        {
            return GetTid();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Lowers a thread to the least CPU priority (nice 19), so that a thread left stuck in framework code
    /// competes with nothing the server does. Linux only; false if it could not be done.
    /// </summary>
    public static bool Demote(int osThreadId)
    {
        if (osThreadId <= 0 || !OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return SetPriority(PrioProcess, osThreadId, 19) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // setpriority(PRIO_PROCESS, tid, nice) sets one thread's nice value on Linux (threads are tasks).
    private const int PrioProcess = 0;

    // DllImport, not LibraryImport: the engine does not allow unsafe code, which the generated stubs need;
    // these two take and return plain ints, so the runtime's marshalling is a direct call.
#pragma warning disable SYSLIB1054, CA5392
    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetTid();

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);
#pragma warning restore SYSLIB1054, CA5392
}
