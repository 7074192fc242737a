using System.Runtime.CompilerServices;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Policies;

/// <summary>
/// Everything a policy may read about one query, as <c>ctx</c>: the question, the client, where the client
/// is, the health of the backends, and the time. One context serves many queries in turn: read it while the
/// policy runs, and never keep it (or anything it returned) in a static field.
/// </summary>
/// <remarks>
/// A context belongs to the receive thread that prepared it for the query, which may be another zone's query
/// by the time a kept reference is used again: read or written from any other thread, the query's data
/// (<see cref="Query"/>, <see cref="Client"/>, <see cref="Geo"/>, <see cref="Scope"/>, <see cref="Note(string)"/>)
/// throws <see cref="InvalidOperationException"/>. On its own thread only the policy it runs for can run.
/// </remarks>
public sealed class PolicyContext
{
    private QueryContext _source = null!;
    private Zone _zone = null!;
    private DnsName? _owner;
    private TimeProvider _time = TimeProvider.System;
    private DateTimeOffset? _now;
    private bool _dependsOnSubnet;
    private int _networkScope;
    private int _thread;
    private int? _scope;

    internal PolicyContext()
    {
        Query = new QueryInfo(this);
        Client = new ClientInfo(this);
        Geo = new GeoInfo(this);
    }

    /// <summary>The question: name, type, transport, DO bit.</summary>
    public QueryInfo Query { get; }

    /// <summary>The client: source address, EDNS Client Subnet.</summary>
    public ClientInfo Client { get; }

    /// <summary>Where the client is (geo databases).</summary>
    public GeoInfo Geo { get; }

    /// <summary>The health of every check, as last published by the background checks.</summary>
    public HealthMap Health { get; private set; } = HealthMap.Empty;

    /// <summary>
    /// The current time (UTC). Policies read the time only here, so that tests and fixtures can set it.
    /// </summary>
    public DateTimeOffset Now => _now ??= _time.GetUtcNow();

    /// <summary>
    /// The EDNS Client Subnet scope prefix length to return, or null to let the server decide: the subnet's
    /// prefix if the policy read the subnet (or used a sticky choice), else 0 (the answer holds for every
    /// client). An answer's own <see cref="Answer.WithScope"/> takes precedence.
    /// </summary>
    public int? Scope
    {
        get
        {
            Own();
            return _scope;
        }

        set
        {
            Own();
            _scope = value;
        }
    }

    /// <summary>The query, for the thread the context belongs to (see the remarks).</summary>
    internal QueryContext Source
    {
        get
        {
            Own();
            return _source;
        }
    }

    /// <summary>The address the geo databases are asked about: the trusted ECS address, else the source address.</summary>
    internal ReadOnlySpan<byte> LookupAddress => Source.LookupAddress;

    /// <summary>True when someone asks why (<c>scriptable query</c>, fixtures): pools then note how they picked.</summary>
    internal bool Explaining => Source.Explain;

    /// <summary>
    /// Adds a line to the explanation of this answer (<c>scriptable query</c>'s WHY section, a failing fixture's
    /// why lines, <c>QueryResult.Why</c>), after the lines of the pools asked so far. Costs nothing when serving:
    /// an interpolated string is not even formatted unless someone asks why.
    /// </summary>
    public void Note(string text)
    {
        if (Source.Explain)
        {
            AddNote(text);
        }
    }

    /// <summary>As <see cref="Note(string)"/>, for <c>ctx.Note($"override for {country}")</c>: formatted only when someone asks why.</summary>
    public void Note([InterpolatedStringHandlerArgument("")] ref NoteHandler text)
    {
        if (Source.Explain)
        {
            AddNote(text.Text());
        }
    }

    /// <summary>Adds a line to the explanation (only while <see cref="Explaining"/>).</summary>
    internal void AddNote(string note) => (_source.PolicyTrace ??= []).Add(note);

    /// <summary>Prepares the context for one policy invocation.</summary>
    internal void Reset(QueryContext source, Zone zone, DnsName? owner, HealthMap health, TimeProvider time)
    {
        _source = source;
        _zone = zone;
        _owner = owner;
        Health = health;
        _time = time;
        _now = null;
        _dependsOnSubnet = false;
        _networkScope = 0;
        _scope = null;
        _thread = Environment.CurrentManagedThreadId;
        Query.Reset();
        Client.Reset();
        Geo.Reset(source.Snapshot.Geo);
    }

    /// <summary>Drops the references of the last query (so old snapshots can be collected).</summary>
    internal void Clear()
    {
        _source = null!;
        _zone = null!;
        _owner = null;
        Health = HealthMap.Empty;
    }

    /// <summary>Throws unless the caller runs on the thread the context was prepared on for its query.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Own()
    {
        if (Environment.CurrentManagedThreadId != _thread)
        {
            NotOwned();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void NotOwned() => throw new InvalidOperationException(
        "This ctx belongs to a query on another thread: a policy may use ctx (and what it returned) only while it answers that query, never keep it.");

    /// <summary>Notes that the answer depends on the client's subnet.</summary>
    internal void DependsOnSubnet() => _dependsOnSubnet = true;

    /// <summary>
    /// Notes that the answer depends on the database network of <paramref name="prefixLength"/> that the
    /// looked-up address falls in; only when that address came from ECS does it narrow the scope.
    /// </summary>
    internal void DependsOnNetwork(int prefixLength)
    {
        if (_source.LookupFromEcs && prefixLength > _networkScope)
        {
            _networkScope = prefixLength;
        }
    }

    /// <summary>
    /// The ECS scope to return with <paramref name="answer"/>: the answer's own, else <see cref="Scope"/>, else
    /// the source prefix if the policy used the subnet itself, else the longest database network the geo
    /// lookups depended on, else 0; never more than the client sent (RFC 7871 section 7.2.1).
    /// </summary>
    internal byte ResolveScope(Answer answer)
    {
        var ecs = _source.Ecs;
        if (!ecs.Present)
        {
            return 0;
        }

        var scope = answer.Scope >= 0 ? answer.Scope : _scope ?? (_dependsOnSubnet ? ecs.SourcePrefix : _networkScope);
        return (byte)Math.Clamp(scope, 0, ecs.SourcePrefix);
    }

    /// <summary>
    /// A 64-bit key for the client's subnet (ECS when present, else the source address), for sticky choices;
    /// using it makes the answer depend on the subnet.
    /// </summary>
    internal ulong SubnetKey()
    {
        Own();
        ulong hash = 14695981039346656037;
        var ecs = _source.Ecs;
        if (_source.LookupFromEcs)
        {
            _dependsOnSubnet = true;
            hash = Mix(hash, ecs.Family);
            hash = Mix(hash, ecs.SourcePrefix);
            foreach (var b in ecs.Address)
            {
                hash = Mix(hash, b);
            }
        }
        else
        {
            foreach (var b in _source.ClientAddress)
            {
                hash = Mix(hash, b);
            }
        }

        return Finish(hash);
    }

    internal string OwnerText() => _owner is null ? QuestionText() : _owner.ToString().ToLowerInvariant();

    internal string QuestionText() => DnsName.FromWire(_source.QName.Lower).ToString();

    internal string ZoneText() => _zone.Origin.ToString().ToLowerInvariant();

    private static ulong Mix(ulong hash, int value) => (hash ^ (uint)value) * 1099511628211;

    /// <summary>SplitMix64's finaliser: spreads FNV's low-entropy high bits over the whole word.</summary>
    internal static ulong Finish(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }
}
