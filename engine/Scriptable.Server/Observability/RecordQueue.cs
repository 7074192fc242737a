using System.Collections.Concurrent;

namespace Scriptable.Server.Observability;

/// <summary>
/// The bounded hand-off between the query path and one background writer: a fixed number of
/// <see cref="QueryRecord"/>s, each either free or waiting for the writer. The query path rents a free one, fills it
/// and publishes it; when none is free (the writer is behind, or its reader went away) the query is not recorded,
/// and the drop is counted. Nothing here blocks, allocates or wakes a thread: the writer polls
/// (<see cref="Pause"/>), so a query costs two lock-free queue operations, not a wake-up of the writer.
/// </summary>
internal sealed class RecordQueue
{
    /// <summary>The writer's pause when the queue is empty, doubled while it stays empty, up to <see cref="MaxPause"/>.</summary>
    private static readonly TimeSpan MinPause = TimeSpan.FromMilliseconds(1);

    /// <summary>The longest a record waits for the writer when the server is idle.</summary>
    private static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(32);

    // Free records, last returned first out: the records in use stay few and warm in the caches (a queue would cycle
    // through all of them, megabytes, and every copy would miss). A plain lock: held for one array access.
    private readonly QueryRecord[] _free;
    private readonly Lock _freeLock = new();
    private int _freeCount;
    private readonly ConcurrentQueue<QueryRecord> _ready = new();
    private volatile bool _completed;
    private TimeSpan _pause = MinPause;
    private long _dropped;

    /// <summary>
    /// Creates a queue of <paramref name="capacity"/> records, for responses of <paramref name="responseSize"/> octets
    /// (a record's buffer grows, once, for a larger one).
    /// </summary>
    public RecordQueue(int capacity, int responseSize)
    {
        Capacity = capacity;
        _free = new QueryRecord[capacity];
        for (var i = 0; i < capacity; i++)
        {
            _free[i] = new QueryRecord(responseSize);
        }

        _freeCount = capacity;
    }

    /// <summary>Records in all.</summary>
    public int Capacity { get; }

    /// <summary>Queries not recorded: no record was free, or the writer lost them with its connection.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>True once <see cref="Complete"/> was called: the writer drains what is left and stops.</summary>
    public bool IsCompleted => _completed;

    /// <summary>A free record, or null (counted as a drop) when every record waits for the writer.</summary>
    public QueryRecord? Rent()
    {
        lock (_freeLock)
        {
            if (_freeCount > 0)
            {
                return _free[--_freeCount];
            }
        }

        Interlocked.Increment(ref _dropped);
        return null;
    }

    /// <summary>Hands a filled record to the writer.</summary>
    public void Publish(QueryRecord record) => _ready.Enqueue(record);

    /// <summary>The next record for the writer, if any.</summary>
    public bool TryTake([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out QueryRecord? record)
    {
        if (_ready.TryDequeue(out record))
        {
            _pause = MinPause;
            return true;
        }

        return false;
    }

    /// <summary>
    /// For the writer's own thread, when <see cref="TryTake"/> found nothing: sleeps 1 ms, doubling while the queue
    /// stays empty, up to 32 ms. A plain sleep: no spinning, no thread pool (whose idle workers spin and yield,
    /// which cost more than the writing when woken a thousand times a second).
    /// </summary>
    public void Pause()
    {
        var pause = _pause;
        _pause = TimeSpan.FromTicks(Math.Min(MaxPause.Ticks, pause.Ticks * 2));
        Thread.Sleep(pause);
    }

    /// <summary>Gives a record back once written (or lost: see <see cref="CountLost"/>).</summary>
    public void Return(QueryRecord record)
    {
        lock (_freeLock)
        {
            _free[_freeCount++] = record;
        }
    }

    /// <summary>Counts records the writer took but could not write (its connection broke).</summary>
    public void CountLost(long count) => Interlocked.Add(ref _dropped, count);

    /// <summary>Stops the writer once it has drained the queue.</summary>
    public void Complete() => _completed = true;
}
