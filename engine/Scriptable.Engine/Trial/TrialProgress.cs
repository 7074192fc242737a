namespace Scriptable.Engine.Trial;

/// <summary>
/// The child's side of a <see cref="ProgressFile"/>: code about to run user code (compiling, static
/// initialisation, a question, a fixture case) says so with <see cref="Step"/>, and the process watching
/// this one stops it if the step outlives its deadline, or names the step if the process dies. Active only in
/// a process started with <see cref="EnvironmentVariable"/> set; elsewhere every call is a null check.
/// </summary>
public static class TrialProgress
{
    /// <summary>The environment variable naming the progress file.</summary>
    public const string EnvironmentVariable = "SCRIPTABLE_TRIAL_PROGRESS";

    /// <summary>
    /// Fault injection for tests of the watchers: in a watched process, a step whose <c>file\tstep</c> text
    /// contains this variable's value ends the process at once, as a crash would (policies themselves can no
    /// longer crash a process in any way known to us, and the path that handles it must still be tested).
    /// </summary>
    public const string CrashVariable = "SCRIPTABLE_TRIAL_CRASH_ON";

    private static readonly ProgressFile? s_file = OpenFromEnvironment();
    private static readonly string? s_crashOn = s_file is not null && Environment.GetEnvironmentVariable(CrashVariable) is { Length: > 0 } text ? text : null;
    private static int s_nextSlot;

    [ThreadStatic]
    private static int t_slot;

    /// <summary>True when this process reports its steps to a watcher.</summary>
    public static bool IsWatched => s_file is not null;

    /// <summary>
    /// Starts a step on this thread; disposing the result ends it. <paramref name="deadline"/> is how much CPU
    /// time the step may take before the watcher stops this process (zero: no deadline); see
    /// <see cref="ProgressStep.IsOverdue"/>.
    /// </summary>
    public static Scope Step(string file, string what, TimeSpan deadline)
    {
        if (s_file is null)
        {
            return default;
        }

        if (t_slot == 0)
        {
            t_slot = (Interlocked.Increment(ref s_nextSlot) - 1) % ProgressFile.Slots + 1;
        }

        var deadlineMilliseconds = deadline <= TimeSpan.Zero ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(deadline.TotalMilliseconds));
        s_file.Write(t_slot - 1, file, what, Environment.TickCount64, (long)Environment.CpuUsage.TotalTime.TotalMilliseconds, deadlineMilliseconds);
        if (s_crashOn is not null && (file + "\t" + what).Contains(s_crashOn, StringComparison.Ordinal))
        {
            Environment.FailFast($"{CrashVariable}: this process was made to crash at '{what}' of {file} (fault injection)");
        }

        return new Scope(t_slot);
    }

    private static ProgressFile? OpenFromEnvironment()
    {
        var path = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        try
        {
            var file = ProgressFile.Open(path);
            if (file.IsValid)
            {
                return file;
            }

            file.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // No watcher to report to: run unwatched (the watcher, if any, still sees the exit code).
        }

        return null;
    }

    /// <summary>Ends the step when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly int _slot;

        internal Scope(int slot)
        {
            _slot = slot;
        }

        /// <summary>Ends the step.</summary>
        public void Dispose()
        {
            if (_slot > 0)
            {
                s_file?.Clear(_slot - 1);
            }
        }
    }
}
