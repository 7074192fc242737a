namespace Scriptable.Engine.Isolation;

/// <summary>
/// The messages between the server and a worker: each is a 4-octet little-endian length, a kind octet, then its
/// fields (<see cref="WireWriter"/>). The server asks, the worker answers, strictly in turn, one message at a time.
/// </summary>
internal static class WorkerMessages
{
    /// <summary>Worker to server, once at start: the build (a worker of another build is refused) and the process id.</summary>
    public const byte Hello = 1;

    /// <summary>Load a version: id, file, revision, hash, class, assembly, PDB, settings, zone origin. Answered by <see cref="Loaded"/>.</summary>
    public const byte Load = 2;

    /// <summary>Whether a version loaded: id, then its diagnostics (none: it loaded).</summary>
    public const byte Loaded = 3;

    /// <summary>Drop a version: id. Answered by <see cref="Done"/>.</summary>
    public const byte Unload = 4;

    /// <summary>An acknowledgement.</summary>
    public const byte Done = 5;

    /// <summary>Use these geo databases, in this order: their paths. Answered by <see cref="Done"/>.</summary>
    public const byte Geo = 6;

    /// <summary>Run a version for one query. Answered by <see cref="Result"/>.</summary>
    public const byte Query = 7;

    /// <summary>What the policy answered, or how it failed.</summary>
    public const byte Result = 8;

    /// <summary>Query flag: an owner name follows (a name a CNAME chain reached).</summary>
    public const byte HasOwner = 1;

    /// <summary>Query flag: the health map follows (it changed since the last query on this channel).</summary>
    public const byte HasHealth = 2;

    /// <summary>Result: the policy answered.</summary>
    public const byte Answered = 0;

    /// <summary>Result: the policy threw.</summary>
    public const byte Threw = 1;

    /// <summary>Result: the budget stopped the policy (a <see cref="Scriptable.Policies.Runtime.BudgetKind"/> follows).</summary>
    public const byte Stopped = 2;

    /// <summary>Result: the policy returned null.</summary>
    public const byte ReturnedNull = 3;

    /// <summary>Result: the worker has no such version (it failed to load there, or is not loaded yet).</summary>
    public const byte UnknownVersion = 4;

    /// <summary>Answer form: an answer with no records (a kind only).</summary>
    public const byte KindOnly = 0;

    /// <summary>Answer form: an answer sent before on this channel, by its id.</summary>
    public const byte Known = 1;

    /// <summary>Answer form: a new answer, its id and its content.</summary>
    public const byte Defined = 2;
}
