using System.Text;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Pipeline;

namespace Scriptable.Server.Observability.QueryLog;

/// <summary>
/// The query log: <see cref="Capture"/> selects the answers of the configured classes, keeps one in
/// <c>SampleEvery</c>, and copies it into a <see cref="RecordQueue"/> on the query path (dropped and counted when
/// full); a thread of its own formats the lines (<see cref="QueryLogLine"/>) and writes them in batches to standard
/// output or appends them to a file. Not the framework's logging: its levels and filters do not apply.
/// </summary>
internal sealed partial class QueryLogWriter : QueryTap, IAsyncDisposable
{
    private readonly RecordQueue _queue;
    private readonly QueryLogClasses _classes;
    private readonly int _sampleEvery;
    private readonly string? _file;
    private readonly ILogger _logger;
    private readonly DateTimeOffset _wallBase;
    private readonly long _stopwatchBase;
    private Thread? _thread;
    private long _seen;
    private long _lines;
    private long _lastFailureLog = long.MinValue;

    /// <summary>Creates the writer (nothing is opened until <see cref="Start"/>).</summary>
    public QueryLogWriter(QueryLogConfig config, ILogger logger, TimeProvider time)
    {
        // The query log reads only the response's header.
        _queue = new RecordQueue(config.QueueSize, QueryRecord.HeaderSize);
        _classes = config.ParsedClasses();
        _sampleEvery = config.SampleEvery;
        _file = config.ToStandardOutput ? null : config.Output.Trim();
        _logger = logger;
        _wallBase = time.GetUtcNow();
        _stopwatchBase = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>Lines written.</summary>
    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>Lines not written: the queue was full, or the output failed.</summary>
    public long Dropped => _queue.Dropped;

    /// <inheritdoc />
    public override void Capture(QueryContext context, long received, long answered)
    {
        if (_classes != QueryLogClasses.All && (QueryLogClassifier.Classify(context.Rcode, context.Response.AsSpan(0, Math.Min(QueryRecord.HeaderSize, context.ResponseLength))) & _classes) == 0)
        {
            return;
        }

        if (_sampleEvery > 1 && Interlocked.Increment(ref _seen) % _sampleEvery != 0)
        {
            return;
        }

        var record = _queue.Rent();
        if (record is null)
        {
            return;
        }

        record.CopyFrom(context, received, answered, wholeResponse: false);
        _queue.Publish(record);
    }

    /// <summary>Starts the background writer, on a thread of its own.</summary>
    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "querylog-writer" };
        _thread.Start();
    }

    /// <summary>Writes what is queued, and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Complete();
        if (_thread is { } thread)
        {
            await Task.Run(() => thread.Join(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }
    }

    private void Run()
    {
        StreamWriter? file = null;
        var text = new StringBuilder(64 * 1024);
        try
        {
            while (true)
            {
                var batch = 0L;
                text.Clear();
                while (text.Length < 60 * 1024 && _queue.TryTake(out var record))
                {
                    batch++;
                    if (_file is not null)
                    {
                        // When the query came, in UTC.
                        var when = _wallBase + System.Diagnostics.Stopwatch.GetElapsedTime(_stopwatchBase, record.Received);
                        text.Append(when.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture)).Append(' ');
                    }

                    QueryLogLine.Append(text, record);
                    text.Append('\n');
                    _queue.Return(record);
                }

                if (batch == 0)
                {
                    if (_queue.IsCompleted)
                    {
                        return;
                    }

                    _queue.Pause();
                    continue;
                }

                try
                {
                    if (_file is null)
                    {
                        // Console.Out is synchronized: a batch never lands inside a line of the host's own logging.
                        Console.Out.Write(text.ToString());
                        Console.Out.Flush();
                    }
                    else
                    {
                        file ??= new StreamWriter(new FileStream(_file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete), new UTF8Encoding(false));
                        file.Write(text);
                        file.Flush();
                    }

                    Interlocked.Add(ref _lines, batch);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    _queue.CountLost(batch);
                    file?.Dispose();
                    file = null;

                    var now = Environment.TickCount64;
                    if (now - _lastFailureLog >= 60_000)
                    {
                        _lastFailureLog = now;
                        LogFailed(_file ?? "stdout", ex.Message);
                    }
                }
            }
        }
        finally
        {
            file?.Dispose();
        }
    }

    [LoggerMessage(EventId = EventIds.QueryLogFailed, EventName = nameof(EventIds.QueryLogFailed), Level = LogLevel.Warning,
        Message = "Query log: cannot write to '{Output}' ({Reason}); its lines are dropped and counted (scriptable_querylog_dropped_total) until it can. Reported at most once a minute.")]
    private partial void LogFailed(string output, string reason);
}
