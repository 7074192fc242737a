using System.Diagnostics;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Containment;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Protocol;
using Scriptable.Policies;

namespace Scriptable.Engine.Isolation;

/// <summary>
/// A policy version that runs in the policy worker processes: its id on the channels, its zone, and the deadline
/// of a worker's answer. <see cref="PolicyVersion.Isolated"/> points here; the runner calls <see cref="Run"/>.
/// </summary>
internal sealed class IsolatedVersion
{
    private readonly PolicyWorkers _workers;

    /// <summary>Creates the handle of <paramref name="version"/> in <paramref name="workers"/>.</summary>
    public IsolatedVersion(PolicyWorkers workers, long id, PolicyVersion version, DnsName origin, int deadlineMilliseconds)
    {
        _workers = workers;
        Id = id;
        Version = version;
        Origin = origin;
        DeadlineMilliseconds = deadlineMilliseconds;
    }

    /// <summary>The version's id on every channel (unique in the server process).</summary>
    public long Id { get; }

    /// <summary>The version (its file, revision, settings, and the assembly sent to workers).</summary>
    public PolicyVersion Version { get; }

    /// <summary>Its zone.</summary>
    public DnsName Origin { get; }

    /// <summary>How long the server waits for a worker's answer before killing it.</summary>
    public int DeadlineMilliseconds { get; }

    /// <summary>Asks a worker to run the version for the query; never throws, never returns null.</summary>
    public Answer Run(PolicyBinding binding, QueryContext query, DnsName? owner) => _workers.Run(this, binding, query, owner);

    /// <summary>The version no longer serves: the workers drop it (after queries still in flight are done).</summary>
    public void Retire() => _workers.Retire(this);

    /// <summary>The policy's budget stopped it in the worker: benched as in process (<see cref="Containment.PolicyBench"/>).</summary>
    public void Bench(BenchReason reason) => Version.Bench.Fail(reason, Stopwatch.GetTimestamp());

    /// <summary>
    /// A query gave up on its worker at the deadline, or the worker died or was killed under it: benched as a
    /// policy stopped for time (a second, doubling while it keeps failing), so a version that kills or holds
    /// workers causes restarts ever more rarely.
    /// </summary>
    public void Lost() => Version.Bench.Fail(BenchReason.Time, Stopwatch.GetTimestamp());
}
