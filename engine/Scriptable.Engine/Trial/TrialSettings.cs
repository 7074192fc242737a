namespace Scriptable.Engine.Trial;

/// <summary>How new policy versions are tried before they serve (configuration section <c>Policy:Trial</c>).</summary>
public sealed record TrialSettings
{
    /// <summary>Synthetic questions asked of each new version (spread over the names it serves).</summary>
    public int Questions { get; init; } = 300;

    /// <summary>
    /// The CPU time the synthetic questions of one file may take (fixtures not included; wall time three times
    /// this stops them too): a slow policy is asked the questions that fit, and the summary says how many were
    /// not asked.
    /// </summary>
    public TimeSpan QuestionTime { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// True: a version whose fixture cases fail does not go live (its fixture file's cases, and every case of its
    /// zone folder that it answers). False: failures are reported as warnings and the version serves.
    /// </summary>
    public bool FixturesMustPass { get; init; } = true;

    /// <summary>How long compiling one policy may take before the trial stops it.</summary>
    public TimeSpan CompileTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest policy source accepted, helpers included, in KiB.</summary>
    public int MaxSourceKilobytes { get; init; } = 256;

    /// <summary>The most memory the trial process may use (its GC heap hard limit), in MiB.</summary>
    public int MemoryMegabytes { get; init; } = 1024;

    /// <summary>
    /// How long one question may take before the watcher stops the process running it: far beyond the time
    /// budget, which stops policy code itself; this catches work inside framework code that no budget reaches.
    /// </summary>
    public static TimeSpan QuestionDeadline(TimeSpan timeBudget) =>
        TimeSpan.FromMilliseconds(Math.Max(2000, 50 * timeBudget.TotalMilliseconds));

    /// <summary>
    /// How long compiling may take before the watcher stops the process: the compiler stops itself at
    /// <paramref name="compileTimeout"/> (it checks for cancellation as it binds); this is for when it does not.
    /// </summary>
    public static TimeSpan CompileDeadline(TimeSpan compileTimeout) => compileTimeout * 2 + TimeSpan.FromSeconds(10);

    /// <summary>How long static initialisation may take before the watcher stops the process running it.</summary>
    public static TimeSpan LoadDeadline(TimeSpan loadTimeBudget) => loadTimeBudget * 2 + TimeSpan.FromSeconds(2);
}
