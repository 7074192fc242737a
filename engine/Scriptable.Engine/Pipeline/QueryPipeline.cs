using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Model;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Pipeline.Stages;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Pipeline;

/// <summary>
/// The query path, in one place: Parse, Tsig (a signed query verified), Validate, MatchZone, Transfer (AXFR and
/// IXFR: access, then the transfer's messages), Enrich (where the client is located from), Route (the name's
/// policy), Answer, then Sign (DNSSEC, whichever stage decided the answer), Finalize and Record (CoreDNS <c>plugin.cfg</c>). It also holds the published snapshot: background work swaps it with
/// <see cref="Publish"/>, and each query reads it once.
/// </summary>
internal sealed partial class QueryPipeline
{
    private readonly QueryStage[] _stages;
    private readonly FinalizeStage _finalize = new();
    private readonly SignStage _sign;
    private readonly RecordStage _record;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private ServerSnapshot _snapshot;
    private QueryTap[] _taps = [];
    private readonly List<QueryContext> _contexts = [];
    private readonly System.Collections.Concurrent.ConcurrentBag<QueryContext> _pool = [];
    private readonly Containment.PolicyJournal? _journal;
    private long _lastFailureLog;

    /// <summary>
    /// Creates a pipeline serving <paramref name="snapshot"/>; with a <paramref name="journal"/>, each query context
    /// gets a slot in it, where policy runs are recorded (Containment/README.md).
    /// </summary>
    public QueryPipeline(ServerSnapshot snapshot, ILogger logger, TimeProvider? time = null, Containment.PolicyJournal? journal = null, Dnssec.SignatureCache? signatures = null)
    {
        _sign = new SignStage(signatures ?? new Dnssec.SignatureCache(), time ?? TimeProvider.System);
        _snapshot = snapshot;
        _journal = journal;
        _logger = logger;
        _record = new RecordStage(logger);
        _time = time ?? TimeProvider.System;
        var runner = new PolicyRunner(logger, _time);
        _stages =
        [
            new ParseStage(),
            new TsigStage(_time),
            new ValidateStage(),
            new MatchZoneStage(),
            new TransferStage(),
            new EnrichStage(),
            new RouteStage(runner),
            new AnswerStage(runner),
        ];
    }

    /// <summary>The signatures this pipeline made and keeps (DNSSEC).</summary>
    public Dnssec.SignatureCache Signatures => _sign.Cache;

    /// <summary>Creates a query context whose counters the metrics will include; return it with <see cref="ReleaseContext"/>.</summary>
    public QueryContext CreateContext()
    {
        if (_pool.TryTake(out var context))
        {
            return context;
        }

        context = new QueryContext { Slot = _journal?.AllocateSlot(), Time = _time };
        lock (_contexts)
        {
            _contexts.Add(context);
        }

        return context;
    }

    /// <summary>Returns a context for reuse (its counts stay in the metrics).</summary>
    public void ReleaseContext(QueryContext context)
    {
        context.Reset([], 0, 0, DnsTransport.Udp);
        context.Snapshot = ServerSnapshot.Empty;
        context.PolicyContext.Clear();
        context.Slot?.Detach();
        _pool.Add(context);
    }

    /// <summary>The counters of every context ever created (a copy of the list; the metrics sum them when collected).</summary>
    public QueryCounters[] AllCounters()
    {
        lock (_contexts)
        {
            var counters = new QueryCounters[_contexts.Count];
            for (var i = 0; i < counters.Length; i++)
            {
                counters[i] = _contexts[i].Counters;
            }

            return counters;
        }
    }

    /// <summary>Sums a counter over every context ever created.</summary>
    public long Sum(Func<QueryCounters, long> read)
    {
        long total = 0;
        lock (_contexts)
        {
            foreach (var context in _contexts)
            {
                total += read(context.Counters);
            }
        }

        return total;
    }

    /// <summary>
    /// What sees every answered query (dnstap, the query log), in order; empty (the default) costs one test per
    /// query. Set before the listeners start.
    /// </summary>
    public IReadOnlyList<QueryTap> Taps
    {
        get => _taps;
        set => _taps = [.. value];
    }

    /// <summary>The snapshot new queries read.</summary>
    public ServerSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Publishes a new snapshot; queries in flight finish on the one they started with.</summary>
    public ServerSnapshot Publish(ServerSnapshot snapshot) => Interlocked.Exchange(ref _snapshot, snapshot);

    /// <summary>
    /// Processes the query in the context (set with <see cref="QueryContext.Reset"/>) and returns the length of
    /// the response written to <see cref="QueryContext.Response"/>, or 0 to send nothing. Never throws.
    /// </summary>
    public int Process(QueryContext context)
    {
        var taps = _taps;
        context.Snapshot = Volatile.Read(ref _snapshot);
        var received = context.StartTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var result = StageResult.Continue;
            var stages = _stages;
            for (var i = 0; i < stages.Length && result == StageResult.Continue; i++)
            {
                result = stages[i].Invoke(context);
            }

            if (context.Transfer is { } transfer)
            {
                // The first message of a zone transfer: the transport asks for the others (ContinueTransfer).
                context.ResponseLength = transfer.WriteNext(context, Now());
                if (transfer.Done)
                {
                    Ended(context, transfer);
                }
            }
            else if (result != StageResult.Drop)
            {
                _sign.Invoke(context);
                _finalize.Invoke(context);
            }
        }
        catch (Exception ex)
        {
            Fail(context, ex);
        }

        _record.Invoke(context);
        if (taps.Length > 0 && context.ResponseLength > 0)
        {
            var answered = System.Diagnostics.Stopwatch.GetTimestamp();
            for (var i = 0; i < taps.Length; i++)
            {
                taps[i].Capture(context, received, answered);
            }
        }

        return context.ResponseLength;
    }

    /// <summary>
    /// Writes the next message of the zone transfer the context's query started into its response buffer and returns
    /// its length; 0 when the transfer is done (or failed, which is logged and ends the stream).
    /// </summary>
    public int ContinueTransfer(QueryContext context)
    {
        if (context.Transfer is not { } transfer)
        {
            return 0;
        }

        try
        {
            var length = transfer.Done ? 0 : transfer.WriteNext(context, Now());
            if (transfer.Done)
            {
                context.Transfer = null;
                if (length > 0)
                {
                    Ended(context, transfer);
                }
            }

            return length;
        }
        catch (Exception ex)
        {
            context.Transfer = null;
            Fail(context, ex);
            return 0;
        }
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>The last transfer out of each zone.</summary>
    public Transfers.TransferLog Transfers { get; } = new();

    private void Ended(QueryContext context, Transfers.OutgoingTransfer transfer)
    {
        var client = new System.Net.IPAddress(context.ClientAddress).ToString();
        Transfers.Add(transfer.Zone.Origin, new(_time.GetUtcNow(), client, transfer.Kind, transfer.Zone.Serial, transfer.Records, transfer.Messages));
        LogTransferSent(transfer.Zone.Origin.ToString(), transfer.Zone.Serial, client, transfer.Kind, transfer.Records, transfer.Messages, context.Tsig.Key?.DisplayName ?? "none");
    }

    [LoggerMessage(EventId = EventIds.TransferSent, EventName = nameof(EventIds.TransferSent), Level = LogLevel.Information,
        Message = "Zone '{Zone}' serial {Serial} sent to {Client} ({Kind}): {Records} records in {Messages} messages, TSIG key {Key}.")]
    private partial void LogTransferSent(string zone, uint serial, string client, Transfers.TransferKind kind, long records, int messages, string key);

    /// <summary>A stage threw: answer SERVFAIL if the header was readable, count it, log at most once a second.</summary>
    private void Fail(QueryContext context, Exception ex)
    {
        context.Counters.Failures++;
        var now = Environment.TickCount64;
        var last = Volatile.Read(ref _lastFailureLog);
        if (now - last >= 1000 && Interlocked.CompareExchange(ref _lastFailureLog, now, last) == last)
        {
            // Not the exception object: its ToString() would read a Message that may be a policy's code.
            LogQueryFailed(Policies.PolicyText.Describe(ex), ex.GetType().FullName ?? ex.GetType().Name, new System.Diagnostics.StackTrace(ex, fNeedFileInfo: true).ToString());
        }

        context.ResponseLength = 0;
        context.Transfer = null;
        if (!context.HeaderValid)
        {
            return;
        }

        try
        {
            context.Plan.Clear();
            context.Rcode = ResponseCode.ServFail;
            context.Authoritative = false;
            _finalize.Invoke(context);
        }
        catch (Exception)
        {
            context.ResponseLength = 0;
        }
    }

    [LoggerMessage(EventId = EventIds.QueryFailed, EventName = nameof(EventIds.QueryFailed), Level = LogLevel.Error,
        Message = "A query failed and was answered SERVFAIL ({Error}); further failures within a second are counted, not logged. {Type} at:\n{Trace}")]
    private partial void LogQueryFailed(string error, string type, string trace);
}
