using Scriptable.Engine.Geo;
using Scriptable.Policies;

namespace Scriptable.Engine.Isolation;

/// <summary>
/// One slot of the worker pool: the worker process serving it now (replaced when it dies), who holds it, and what
/// the worker knows (the versions it loaded, the health map and geo databases it was given, the answers it sent).
/// A query takes an idle channel, asks, and gives it back; nothing else touches a channel held by someone.
/// </summary>
internal sealed class WorkerChannel
{
    /// <summary>No worker: not started yet, or waiting before a restart.</summary>
    public const int Down = 0;

    /// <summary>A worker is starting (or being brought up to date after a start): its starter holds the channel.</summary>
    public const int Starting = 1;

    /// <summary>Ready and free.</summary>
    public const int Idle = 2;

    /// <summary>Held by a query or by a control exchange (loading a version).</summary>
    public const int Busy = 3;

    private int _state;

    /// <summary>Creates channel number <paramref name="index"/>.</summary>
    public WorkerChannel(int index)
    {
        Index = index;
    }

    /// <summary>Its number in the pool.</summary>
    public int Index { get; }

    /// <summary><see cref="Down"/>, <see cref="Starting"/>, <see cref="Idle"/> or <see cref="Busy"/>.</summary>
    public int State => Volatile.Read(ref _state);

    /// <summary>The worker serving the channel (null while down).</summary>
    public WorkerProcess? Process { get; private set; }

    /// <summary>Builds the messages sent on this channel.</summary>
    public WireWriter Writer { get; } = new(8 * 1024);

    /// <summary>The answers the worker sent, by id.</summary>
    public AnswerDecoder Answers { get; } = new();

    /// <summary>The versions the worker loaded.</summary>
    public HashSet<long> Loaded { get; } = [];

    /// <summary>The versions that failed to load in this worker (not tried again until it restarts).</summary>
    public HashSet<long> Rejected { get; } = [];

    /// <summary>The health map last sent (queries bring the map when it changed).</summary>
    public HealthMap? Health { get; set; }

    /// <summary>The geo databases last sent.</summary>
    public IReadOnlyList<GeoSource>? Geo { get; set; }

    /// <summary>When the worker became ready (<see cref="Environment.TickCount64"/>).</summary>
    public long ReadyAt { get; set; }

    /// <summary>Deaths in a row soon after a start (for the restart delay).</summary>
    public int QuickDeaths { get; set; }

    /// <summary>Takes the channel if it is idle.</summary>
    public bool TryTake() => Interlocked.CompareExchange(ref _state, Busy, Idle) == Idle;

    /// <summary>Takes a down channel to start a worker on it.</summary>
    public bool TryBeginStart() => Interlocked.CompareExchange(ref _state, Starting, Down) == Down;

    /// <summary>Gives a held channel back (its worker alive).</summary>
    public void Release() => Volatile.Write(ref _state, Idle);

    /// <summary>Marks a held channel as restarting (its starter holds it from now on).</summary>
    public void Restarting() => Volatile.Write(ref _state, Starting);

    /// <summary>Marks a channel held by its starter as down (the start failed: another is scheduled, or the pool is closed).</summary>
    public void Fall() => Volatile.Write(ref _state, Down);

    /// <summary>Serves the channel with a new worker, which knows nothing yet.</summary>
    public WorkerProcess? Attach(WorkerProcess? process)
    {
        var previous = Process;
        Process = process;
        Loaded.Clear();
        Rejected.Clear();
        Answers.Clear();
        Health = null;
        Geo = null;
        return previous;
    }
}
