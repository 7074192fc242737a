namespace Scriptable.Engine.Isolation;

/// <summary>How many policy worker processes a server runs, and their limits (configuration <c>Policy:Workers</c>).</summary>
public sealed record WorkerSettings
{
    /// <summary>
    /// The shortest deadline of a worker's answer, whatever the policy's time budget: the two context switches of
    /// the exchange, scheduling on a busy machine and a GC pause fit in it, so that a sound policy is not benched for them.
    /// </summary>
    public const int MinDeadlineMilliseconds = 100;

    /// <summary>Worker processes; each answers one query at a time (the UDP loops and TCP share them).</summary>
    public int Count { get; init; } = 2;

    /// <summary>The heap hard limit of each worker (<c>DOTNET_GCHeapHardLimit</c>), in MiB.</summary>
    public int MemoryMegabytes { get; init; } = 512;

    /// <summary>
    /// A query waits for its worker at most this many time budgets of the policy (at least
    /// <see cref="MinDeadlineMilliseconds"/>): past it, the query answers the fallback and the policy is benched, as a
    /// policy stopped for time is in process. The worker is killed if it has still not answered after
    /// <see cref="KillAfterMilliseconds"/>.
    /// </summary>
    public double DeadlineBudgets { get; init; } = 10;

    /// <summary>
    /// The user workers run as when the server runs as root (a name, or <c>uid:gid</c>); empty means <c>nobody</c>.
    /// Ignored when the server is not root: workers then run as the server's user.
    /// </summary>
    public string User { get; init; } = "";

    /// <summary>How long a worker may take to start and say hello (the runtime, the engine's assemblies).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long after a query's deadline a worker that has not answered yet is left to finish (its late answer is
    /// dropped) before it is killed: twice the deadline, and at least 2 s more, so a slow but sound worker (a GC, a
    /// busy machine) is not replaced for it.
    /// </summary>
    public static int KillAfterMilliseconds(int deadlineMilliseconds) => Math.Max(2 * deadlineMilliseconds, deadlineMilliseconds + 2000);

    /// <summary>The deadline of a worker's answer for a policy with this time budget.</summary>
    public int DeadlineMilliseconds(TimeSpan timeBudget) =>
        (int)Math.Clamp(Math.Ceiling(timeBudget.TotalMilliseconds * DeadlineBudgets), MinDeadlineMilliseconds, int.MaxValue);
}
