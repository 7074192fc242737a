using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Geo;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Trial;
using Scriptable.Policies;
using Scriptable.Policies.Runtime;

namespace Scriptable.Engine.Isolation;

/// <summary>
/// The server's policy worker processes (<c>Policy:Isolation</c>): a fixed pool of channels, each served by one
/// long-lived worker (<see cref="PolicyWorker"/>), restarted when it dies. A version whose settings say
/// <c>Process</c> is loaded in every worker instead of in the server (<see cref="Load"/>, before the snapshot that
/// uses it is published), and each of its queries takes an idle channel, sends the question and waits, at most its
/// deadline, for the answer. A worker that dies or does not answer in time is killed and restarted in the
/// background; that query answers the policy's fallback and the version is benched.
/// </summary>
public sealed partial class PolicyWorkers : IDisposable
{
    private static readonly long BurstTicks = Stopwatch.Frequency * 10;

    [ThreadStatic]
    private static int t_preferred;

    private readonly WorkerCommand _command;
    private readonly WorkerSettings _settings;
    private readonly ILogger _logger;
    private readonly WorkerChannel[] _channels;
    private readonly Lock _gate = new();
    private readonly Dictionary<long, IsolatedVersion> _live = [];
    private IReadOnlyList<GeoSource> _geo = [];
    private long _generation;
    private long _nextId;
    private bool _started;
    private volatile bool _disposed;
    private volatile string _lastStartError = "";
    private long _lastNoWorkerLog;
    private int _starts;
    private int _losses;

    /// <summary>Creates the pool; no worker starts until a version needs one.</summary>
    /// <param name="command">Starts this program (the worker is <c>command __policy-worker</c>).</param>
    /// <param name="settings">How many workers, and their limits.</param>
    /// <param name="logger">Where worker starts, deaths and policy failures are logged.</param>
    public PolicyWorkers(WorkerCommand command, WorkerSettings settings, ILogger logger)
    {
        _command = command;
        _settings = settings;
        _logger = logger;
        _channels = new WorkerChannel[Math.Max(1, settings.Count)];
        for (var i = 0; i < _channels.Length; i++)
        {
            _channels[i] = new WorkerChannel(i);
        }
    }

    /// <summary>Worker processes started so far (restarts included).</summary>
    public int Starts => Volatile.Read(ref _starts);

    /// <summary>Workers lost so far: died, killed after their deadline, or broke the protocol.</summary>
    public int Losses => Volatile.Read(ref _losses);

    /// <summary>The process ids of the workers serving now.</summary>
    public IReadOnlyList<int> ProcessIds
    {
        get
        {
            var ids = new List<int>();
            foreach (var channel in _channels)
            {
                if (channel.State is WorkerChannel.Idle or WorkerChannel.Busy && channel.Process is { } process)
                {
                    ids.Add(process.Id);
                }
            }

            return ids;
        }
    }

    /// <summary>
    /// Loads <paramref name="version"/> (not loaded in this process) into the workers, starting them if none runs
    /// yet. The verdict is the first worker's: a static initialiser that fails, hangs or kills the worker there
    /// rejects the version with <paramref name="diagnostics"/>. Returns its handle, or null when rejected.
    /// Called by the policy catalog, under the reload lock: before the snapshot serving the version is published.
    /// </summary>
    internal IsolatedVersion? Load(PolicyVersion version, DnsName origin, List<PolicyDiagnostic> diagnostics)
    {
        var isolated = new IsolatedVersion(this, Interlocked.Increment(ref _nextId), version, origin, _settings.DeadlineMilliseconds(version.Settings.TimeBudget));
        if (_disposed)
        {
            diagnostics.Add(PolicyDiagnostic.Error(version.File, 1, 1, "SCR0452", "the policy worker processes are stopping"));
            return null;
        }

        lock (_gate)
        {
            _live[isolated.Id] = isolated;
            _generation++;
        }

        StartAll();
        var canary = TakeAny(Environment.TickCount64 + (long)_settings.StartTimeout.TotalMilliseconds);
        if (canary is null)
        {
            Forget(isolated);
            diagnostics.Add(PolicyDiagnostic.Error(version.File, 1, 1, "SCR0452",
                $"no policy worker process is running to load this version ({(_lastStartError.Length > 0 ? _lastStartError : "none started in time")}); it does not serve, the previous version, if any, keeps serving"));
            return null;
        }

        var failures = Sync(canary, out _);
        if (canary.State == WorkerChannel.Busy)
        {
            canary.Release();
        }

        if (failures.TryGetValue(isolated.Id, out var failure))
        {
            Forget(isolated);
            diagnostics.AddRange(failure);
            return null;
        }

        SyncAll();
        return isolated;
    }

    /// <summary>
    /// Gives the workers the geo databases of the snapshot about to be published (the server calls this before
    /// publishing): each opens the same files, by path, in the same order. Not needed when no worker runs.
    /// </summary>
    public void Prepare(GeoDatabaseSet geo)
    {
        ArgumentNullException.ThrowIfNull(geo);
        lock (_gate)
        {
            if (_geo.SequenceEqual(geo.Databases))
            {
                return;
            }

            _geo = [.. geo.Databases];
            _generation++;
        }

        if (_started)
        {
            SyncAll();
        }
    }

    /// <summary>A version stops serving: the workers drop it once queries in flight on the old snapshot are done.</summary>
    internal void Retire(IsolatedVersion isolated)
    {
        if (!Forget(isolated) || _disposed)
        {
            return;
        }

        _ = Task.Delay(TimeSpan.FromSeconds(2)).ContinueWith(_ => SyncAll(), TaskScheduler.Default);
    }

    /// <summary>
    /// Asks a worker to run <paramref name="isolated"/> for the query, waiting at most its deadline. Never throws,
    /// never returns null: every failure (the policy's, or the worker's) answers the policy's fallback, is counted
    /// and logged once per burst.
    /// </summary>
    internal Answer Run(IsolatedVersion isolated, PolicyBinding binding, QueryContext query, DnsName? owner)
    {
        var stats = binding.Stats;
        // One deadline for the whole query, waiting for a free worker included: the receive loop is never held longer.
        var until = Environment.TickCount64 + isolated.DeadlineMilliseconds;
        var channel = TakeForQuery(until);
        if (channel is null)
        {
            NoWorker(binding, isolated, unknownVersion: false);
            return Fallback(binding, query, PolicyFailureKind.Exception, "no policy worker process is free or running");
        }

        var sample = (++query.Counters.PolicyRuns % PolicyRunner.SampleEvery) == 0;
        var started = sample ? Stopwatch.GetTimestamp() : 0;
        var process = channel.Process!;
        var health = query.Snapshot.Health;
        var read = process.Exchange(WriteQuery(channel, isolated.Id, query, owner), until);
        if (sample)
        {
            stats.AddSample(Stopwatch.GetTimestamp() - started);
        }

        if (read != PipeRead.Done)
        {
            // Past the deadline the query answers now and the version is benched, as a policy stopped for time is in
            // process; a reaper gives the worker a while longer before killing it. A worker that died (a stack
            // overflow, an access violation, its heap limit) is replaced at once.
            var death = new Death(process, isolated, binding.Owner.ToString(), Question(query, owner), read == PipeRead.TimedOut ? "held" : "died");
            if (read == PipeRead.TimedOut)
            {
                stats.CountBudgetStop();
                Reap(channel, isolated, death, health);
            }
            else
            {
                stats.CountException();
                Lose(channel, death);
            }

            if (!query.Isolated)
            {
                isolated.Lost();
            }

            return Fallback(binding, query, read == PipeRead.TimedOut ? PolicyFailureKind.Time : PolicyFailureKind.Exception,
                read == PipeRead.TimedOut ? $"its worker did not answer within {isolated.DeadlineMilliseconds} ms" : "its worker process died");
        }

        try
        {
            var reader = new WireReader(process.Message);
            if (reader.ReadByte() != WorkerMessages.Result)
            {
                throw new InvalidDataException("not a result");
            }

            var status = reader.ReadByte();
            if (status == WorkerMessages.Answered)
            {
                var scope = reader.ReadByte();
                var answer = channel.Answers.Read(ref reader);
                channel.Health = health;
                channel.Release();

                // The scope the worker resolved from what the policy read; the answer stage resolves it again from this.
                query.PolicyContext.Scope = scope;
                return answer;
            }

            channel.Health = health;
            if (status == WorkerMessages.UnknownVersion)
            {
                channel.Release();
                NoWorker(binding, isolated, unknownVersion: true);
                return Fallback(binding, query, PolicyFailureKind.Exception, "its worker has not loaded this version");
            }

            var failure = ReadFailure(ref reader, status);
            channel.Release();
            return Failed(binding, isolated, query, failure);
        }
        catch (InvalidDataException ex)
        {
            Lose(channel, new Death(process, isolated, binding.Owner.ToString(), Question(query, owner), "broke the protocol (" + ex.Message + ")"));
            stats.CountException();
            return Fallback(binding, query, PolicyFailureKind.Exception, "its worker sent something unreadable");
        }
    }

    /// <summary>
    /// In the background: waits for the late answer of a worker whose query gave up on it, until
    /// <see cref="WorkerSettings.KillAfterMilliseconds"/>; a worker that answers by then is kept (its answer is read,
    /// so that both sides' answer tables stay the same, and dropped), one that does not is killed and replaced.
    /// </summary>
    private void Reap(WorkerChannel channel, IsolatedVersion isolated, Death death, HealthMap health)
    {
        var deadline = Environment.TickCount64 + WorkerSettings.KillAfterMilliseconds(isolated.DeadlineMilliseconds);
        var gaveUp = Environment.TickCount64;
        _ = Task.Run(() =>
        {
            var process = death.Process;
            var read = process.Read(deadline);
            if (read == PipeRead.Done)
            {
                try
                {
                    var reader = new WireReader(process.Message);
                    if (reader.ReadByte() != WorkerMessages.Result)
                    {
                        throw new InvalidDataException("not a result");
                    }

                    if (reader.ReadByte() == WorkerMessages.Answered)
                    {
                        _ = reader.ReadByte();
                        _ = channel.Answers.Read(ref reader);
                    }

                    channel.Health = health;
                    channel.Release();
                    LogLate(death.Name, isolated.Version.Revision, process.Id, death.Question, isolated.DeadlineMilliseconds + Environment.TickCount64 - gaveUp, isolated.DeadlineMilliseconds);
                    return;
                }
                catch (InvalidDataException ex)
                {
                    death = death with { How = "broke the protocol (" + ex.Message + ")" };
                }
            }
            else if (read == PipeRead.Closed)
            {
                death = death with { How = "died" };
            }

            isolated.Lost();
            Lose(channel, death);
        });
    }

    /// <summary>Stops every worker.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var channel in _channels)
        {
            channel.Process?.Kill();
        }

        foreach (var channel in _channels)
        {
            // A channel held by a query sees its worker gone and lets go; the process object is closed by whoever holds it last.
            if (TakeForControl(channel, Environment.TickCount64 + 2000))
            {
                channel.Attach(null)?.Dispose();
                channel.Fall();
            }
        }
    }

    /// <summary>Starts a worker on every channel, the first time a version needs them.</summary>
    private void StartAll()
    {
        lock (_gate)
        {
            if (_started)
            {
                return;
            }

            _started = true;
        }

        foreach (var channel in _channels)
        {
            if (channel.TryBeginStart())
            {
                StartLater(channel, TimeSpan.Zero, null);
            }
        }
    }

    /// <summary>
    /// In the background: logs why the previous worker of <paramref name="channel"/> ended (its last words take a
    /// moment), waits <paramref name="delay"/>, then starts a new worker and brings it up to date.
    /// </summary>
    private void StartLater(WorkerChannel channel, TimeSpan delay, Death? death) => _ = Task.Run(async () =>
    {
        if (death is not null)
        {
            var reason = death.Process.Reason(TimeSpan.FromSeconds(3));
            LogLost(death, reason);
            death.Process.Dispose();
        }

        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay).ConfigureAwait(false);
        }

        Start(channel);
    });

    /// <summary>Starts a worker on a channel its caller holds (<see cref="WorkerChannel.Starting"/>), and makes it idle once up to date.</summary>
    private void Start(WorkerChannel channel)
    {
        if (_disposed)
        {
            channel.Fall();
            return;
        }

        WorkerProcess process;
        try
        {
            process = WorkerProcess.Start(_command, _settings);
        }
        catch (Exception ex) when (ex is Win32Exception or IOException or InvalidOperationException or UnauthorizedAccessException or NotSupportedException)
        {
            StartFailed(channel, ex.Message);
            return;
        }

        Interlocked.Increment(ref _starts);
        var hello = process.Read(Environment.TickCount64 + (long)_settings.StartTimeout.TotalMilliseconds);
        var greeted = false;
        if (hello == PipeRead.Done)
        {
            try
            {
                var reader = new WireReader(process.Message);
                greeted = reader.ReadByte() == WorkerMessages.Hello && reader.ReadText() == TrialWorker.Build;
            }
            catch (InvalidDataException)
            {
                greeted = false;
            }
        }

        if (!greeted)
        {
            process.Kill();
            var why = hello == PipeRead.Done ? "it is another build than the server (was the program upgraded on disk? restart the server)" : process.Reason(TimeSpan.FromSeconds(3));
            process.Dispose();
            StartFailed(channel, why);
            return;
        }

        channel.Attach(process);

        // A worker that dies while idle (killed from outside, its parent watch, the OOM killer) is replaced at once,
        // not found dead by the next query; a worker lost while held is replaced by its holder.
        process.WatchExit(() => Exited(channel, process));
        if (!WarmUp(channel))
        {
            return;
        }

        while (true)
        {
            var failures = Sync(channel, out var generation);
            if (channel.Process != process)
            {
                // Lost while catching up: a restart is already scheduled.
                return;
            }

            foreach (var (id, diagnostics) in failures)
            {
                LogLoadFailed(channel.Index, process.Id, id, string.Join(" ", diagnostics));
            }

            lock (_gate)
            {
                if (_disposed)
                {
                    break;
                }

                if (generation == _generation)
                {
                    channel.ReadyAt = Environment.TickCount64;
                    channel.Release();
                    LogStarted(channel.Index, process.Id, process.User, channel.Loaded.Count);
                    _lastStartError = "";
                    return;
                }
            }
        }

        channel.Attach(null)?.Dispose();
        channel.Fall();
    }

    /// <summary>The worker of <paramref name="channel"/> ended: if no one holds the channel (it was idle), it is lost here.</summary>
    private void Exited(WorkerChannel channel, WorkerProcess process)
    {
        if (_disposed || !TakeForControl(channel, Environment.TickCount64 + 10_000))
        {
            // Held (a query, a load or a reaper sees the closed pipe and replaces it), starting, or down.
            return;
        }

        if (channel.Process != process)
        {
            // A worker replaced long ago: the channel's current one is fine.
            channel.Release();
            return;
        }

        Lose(channel, new Death(process, null, "", "", "died while idle"));
    }

    /// <summary>
    /// One made-up query for no version, through both sides' query paths, so that neither waits for the JIT in the
    /// first real query (which has a deadline). False if the worker was lost (a restart is then scheduled).
    /// </summary>
    private bool WarmUp(WorkerChannel channel)
    {
        var query = new QueryContext();
        WarmUpQuestion.Fill(query, DnsName.Parse("warm-up.invalid."));
        _ = WriteQuery(channel, 0, query, null);
        if (!Control(channel, null, "warming up", TimeSpan.FromSeconds(30), out _))
        {
            return false;
        }

        var process = channel.Process!;
        var reader = new WireReader(process.Message);
        if (reader.ReadByte() == WorkerMessages.Result && reader.ReadByte() == WorkerMessages.UnknownVersion)
        {
            return true;
        }

        channel.Attach(null);
        process.Dispose();
        StartFailed(channel, "it answered a made-up query with something else than 'unknown version'");
        return false;
    }

    private void StartFailed(WorkerChannel channel, string why)
    {
        _lastStartError = "the worker cannot start: " + why;
        LogStartFailed(channel.Index, why);
        channel.QuickDeaths++;
        if (_disposed)
        {
            channel.Fall();
            return;
        }

        StartLater(channel, RestartDelay(channel.QuickDeaths), null);
    }

    /// <summary>Waits a little longer after each quick death in a row: 0.1 s, 0.2 s, ... at most 5 s.</summary>
    private static TimeSpan RestartDelay(int quickDeaths) =>
        quickDeaths <= 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Min(5000, 100 << Math.Min(quickDeaths - 1, 6)));

    /// <summary>
    /// A held channel's worker is lost: kill it, and restart in the background (sooner if it had served a while).
    /// The query path calls this; it does not wait for anything.
    /// </summary>
    private void Lose(WorkerChannel channel, Death death)
    {
        Interlocked.Increment(ref _losses);
        death.Process.Kill();
        channel.Restarting();
        channel.QuickDeaths = Environment.TickCount64 - channel.ReadyAt < 10_000 ? channel.QuickDeaths + 1 : 0;
        channel.Attach(null);
        StartLater(channel, RestartDelay(channel.QuickDeaths), death);
    }

    /// <summary>
    /// Brings the worker of a held channel up to date with the live versions and the geo databases: drops what it
    /// no longer needs, loads what it lacks. Returns the diagnostics of the versions that failed to load there
    /// (a version whose loading killed or held the worker among them); the channel is then restarting.
    /// </summary>
    private Dictionary<long, List<PolicyDiagnostic>> Sync(WorkerChannel channel, out long generation)
    {
        List<IsolatedVersion> live;
        IReadOnlyList<GeoSource> geo;
        lock (_gate)
        {
            generation = _generation;
            live = [.. _live.Values];
            geo = _geo;
        }

        var failures = new Dictionary<long, List<PolicyDiagnostic>>();
        var process = channel.Process!;
        var writer = channel.Writer;
        if (!ReferenceEquals(channel.Geo, geo))
        {
            writer.Begin(WorkerMessages.Geo);
            var paths = new List<string>();
            foreach (var source in geo)
            {
                if (source is GeoDatabase database)
                {
                    paths.Add(Path.GetFullPath(database.Path));
                }
            }

            writer.WriteInt32(paths.Count);
            foreach (var path in paths)
            {
                writer.WriteString(path);
            }

            if (!Control(channel, null, "opening the geo databases", TimeSpan.FromSeconds(30), out _))
            {
                return failures;
            }

            channel.Geo = geo;
            try
            {
                var reader = new WireReader(process.Message);
                _ = reader.ReadByte();
                for (var i = reader.ReadInt32(); i > 0; i--)
                {
                    LogGeoFailed(channel.Index, process.Id, process.User, reader.ReadText());
                }
            }
            catch (InvalidDataException ex)
            {
                LogGeoFailed(channel.Index, process.Id, process.User, "its answer was unreadable: " + ex.Message);
            }
        }

        var wanted = new HashSet<long>();
        foreach (var isolated in live)
        {
            wanted.Add(isolated.Id);
        }

        foreach (var id in channel.Loaded.Where(id => !wanted.Contains(id)).ToList())
        {
            writer.Begin(WorkerMessages.Unload);
            writer.WriteInt64(id);
            if (!Control(channel, null, "dropping a version", TimeSpan.FromSeconds(10), out _))
            {
                return failures;
            }

            channel.Loaded.Remove(id);
        }

        foreach (var isolated in live)
        {
            if (channel.Loaded.Contains(isolated.Id) || channel.Rejected.Contains(isolated.Id))
            {
                continue;
            }

            WriteLoad(writer, isolated);
            var version = isolated.Version;
            var deadline = TrialSettings.LoadDeadline(version.Settings.LoadTimeBudget) + TimeSpan.FromSeconds(10);
            if (!Control(channel, isolated, "initialising its static fields", deadline, out var lost))
            {
                failures[isolated.Id] = [PolicyDiagnostic.Error(version.File, 1, 1, "SCR0451",
                    $"loading this version in a policy worker process, the worker was lost while initialising its static fields: {lost}. It does not serve; the previous version, if any, keeps serving.")];
                return failures;
            }

            var diagnostics = ReadLoaded(process, isolated.Id, out var loaded);
            if (loaded)
            {
                channel.Loaded.Add(isolated.Id);
            }
            else
            {
                channel.Rejected.Add(isolated.Id);
                failures[isolated.Id] = diagnostics.Count > 0 ? diagnostics : [PolicyDiagnostic.Error(version.File, 1, 1, "SCR0453", "the policy worker process did not load this version and said nothing why")];
            }
        }

        return failures;
    }

    /// <summary>Brings every running worker up to date (the starting ones do it themselves before they serve).</summary>
    private void SyncAll()
    {
        foreach (var channel in _channels)
        {
            if (_disposed || channel.State is WorkerChannel.Down or WorkerChannel.Starting)
            {
                continue;
            }

            if (!TakeForControl(channel, Environment.TickCount64 + 10_000))
            {
                continue;
            }

            var process = channel.Process;
            foreach (var (id, diagnostics) in Sync(channel, out _))
            {
                LogLoadFailed(channel.Index, process?.Id ?? 0, id, string.Join(" ", diagnostics));
            }

            if (channel.State == WorkerChannel.Busy)
            {
                channel.Release();
            }
        }
    }

    /// <summary>
    /// Sends the control message in the channel's writer and reads the answer, within <paramref name="timeout"/>.
    /// On a lost worker, says why in <paramref name="lost"/> (waiting for its last words: this is not the query
    /// path) and restarts the channel.
    /// </summary>
    private bool Control(WorkerChannel channel, IsolatedVersion? isolated, string what, TimeSpan timeout, out string lost)
    {
        var process = channel.Process!;
        var read = process.Exchange(channel.Writer.Finish(), Environment.TickCount64 + (long)timeout.TotalMilliseconds);
        if (read == PipeRead.Done)
        {
            lost = "";
            return true;
        }

        process.Kill();
        lost = read == PipeRead.TimedOut ? $"it was still {what} after {timeout.TotalSeconds:0} s and was killed" : process.Reason(TimeSpan.FromSeconds(3));
        Interlocked.Increment(ref _losses);
        channel.Restarting();
        channel.QuickDeaths++;
        channel.Attach(null);
        LogControlLost(channel.Index, process.Id, isolated?.Version.File ?? "", what, lost);
        process.Dispose();
        StartLater(channel, RestartDelay(channel.QuickDeaths), null);
        return false;
    }

    private static void WriteLoad(WireWriter writer, IsolatedVersion isolated)
    {
        var version = isolated.Version;
        var compiled = version.Compiled;
        var settings = version.Settings;
        writer.Begin(WorkerMessages.Load);
        writer.WriteInt64(isolated.Id);
        writer.WriteString(version.File);
        writer.WriteInt32(version.Revision);
        writer.WriteString(version.ContentHash);
        writer.WriteString(compiled.ClassName);
        writer.WriteBytes(compiled.Assembly);
        writer.WriteBytes(compiled.Pdb);
        writer.WriteByte((byte)settings.Fallback);
        writer.WriteInt64(settings.TimeBudget.Ticks);
        writer.WriteInt32(settings.MaxStackKilobytes);
        writer.WriteInt32(settings.MaxAllocatedKilobytes);
        writer.WriteInt64(settings.LoadTimeBudget.Ticks);
        writer.WriteBytes(isolated.Origin.Wire);
    }

    private static List<PolicyDiagnostic> ReadLoaded(WorkerProcess process, long id, out bool loaded)
    {
        var diagnostics = new List<PolicyDiagnostic>();
        try
        {
            var reader = new WireReader(process.Message);
            if (reader.ReadByte() != WorkerMessages.Loaded || reader.ReadInt64() != id)
            {
                throw new InvalidDataException("not the answer to this load");
            }

            loaded = reader.ReadBool();
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                diagnostics.Add(new PolicyDiagnostic(reader.ReadText(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadBool(), reader.ReadText(), reader.ReadText()));
            }
        }
        catch (InvalidDataException ex)
        {
            loaded = false;
            diagnostics.Add(PolicyDiagnostic.Error("", 0, 0, "SCR0453", "the policy worker process answered a load with something unreadable: " + ex.Message));
        }

        return diagnostics;
    }

    /// <summary>Writes the query message: the version, the question's octets, the client, where it is located from, and the health map if it changed.</summary>
    private static ReadOnlySpan<byte> WriteQuery(WorkerChannel channel, long id, QueryContext query, DnsName? owner)
    {
        var writer = channel.Writer;
        var health = query.Snapshot.Health;
        var flags = (byte)((owner is null ? 0 : WorkerMessages.HasOwner) | (ReferenceEquals(channel.Health, health) ? 0 : WorkerMessages.HasHealth));
        writer.Begin(WorkerMessages.Query);
        writer.WriteInt64(id);
        writer.WriteByte(flags);
        if (owner is not null)
        {
            writer.WriteBytes(owner.Wire);
        }

        writer.WriteBytes(query.Packet);
        writer.WriteByte((byte)query.Transport);
        writer.WriteBytes(query.ClientAddress);
        writer.WriteUInt16((ushort)query.ClientPort);
        writer.WriteBytes(query.LookupAddress);
        writer.WriteBool(query.LookupFromEcs);
        if ((flags & WorkerMessages.HasHealth) != 0)
        {
            writer.WriteInt32(health.Count);
            foreach (var (name, status) in health.Entries)
            {
                writer.WriteString(name);
                writer.WriteByte((byte)status.State);
                writer.WriteInt64(status.Since.UtcTicks);
                writer.WriteBool(status.Overridden);
                writer.WriteString(status.Reason);
            }
        }

        return writer.Finish();
    }

    private static WorkerFailure ReadFailure(ref WireReader reader, byte status)
    {
        var stopKind = reader.ReadByte();
        var type = reader.ReadText();
        var where = reader.ReadText();
        var line = reader.ReadInt32();
        var message = reader.ReadText();
        var kind = status switch
        {
            WorkerMessages.Stopped => (BudgetKind)stopKind switch
            {
                BudgetKind.Time => PolicyFailureKind.Time,
                BudgetKind.Stack => PolicyFailureKind.Stack,
                BudgetKind.Memory => PolicyFailureKind.Memory,
                _ => PolicyFailureKind.Exception,
            },
            WorkerMessages.ReturnedNull => PolicyFailureKind.NullAnswer,

            // What the runtime throws when the worker's heap limit or stack runs out is a budget running out.
            WorkerMessages.Threw when type == nameof(OutOfMemoryException) => PolicyFailureKind.Memory,
            WorkerMessages.Threw when type == nameof(InsufficientExecutionStackException) => PolicyFailureKind.Stack,
            WorkerMessages.Threw => PolicyFailureKind.Exception,
            _ => throw new InvalidDataException($"result status {status}"),
        };
        return new WorkerFailure(kind, type, where, line, message);
    }

    /// <summary>The policy failed in its worker: count, bench (for time, as in process), log once per burst, and answer the fallback.</summary>
    private Answer Failed(PolicyBinding binding, IsolatedVersion isolated, QueryContext query, WorkerFailure failure)
    {
        var stats = binding.Stats;
        var version = isolated.Version;
        if (failure.IsBudgetStop)
        {
            stats.CountBudgetStop();
            if (!query.Isolated)
            {
                // Every budget kind benches, as in process.
                isolated.Bench(failure.Kind switch
                {
                    PolicyFailureKind.Stack => Containment.BenchReason.Stack,
                    PolicyFailureKind.Memory => Containment.BenchReason.Memory,
                    _ => Containment.BenchReason.Time,
                });
            }
        }
        else
        {
            stats.CountException();
        }

        if (stats.ShouldLog(Stopwatch.GetTimestamp(), BurstTicks, out var suppressed) && _logger.IsEnabled(LogLevel.Warning))
        {
            LogPolicyFailed(binding.Owner.ToString(), version.Revision, failure.Line > 0 ? $"{failure.Where}:line {failure.Line}" : failure.Where,
                failure.Message.Length > 0 ? failure.Type + ": " + failure.Message : failure.Type, binding.Settings.Fallback, suppressed);
        }

        return Fallback(binding, query, failure.Kind, failure.Message, failure);
    }

    private static Answer Fallback(PolicyBinding binding, QueryContext query, PolicyFailureKind kind, string why, WorkerFailure? failure = null)
    {
        binding.Stats.CountFallback();
        if (query.Explain)
        {
            query.PolicyNote = $"{why} (in a policy worker process). Answered its fallback ({binding.Settings.Fallback}).";
            query.PolicyFailure = new PolicyFailure(kind, failure?.Type ?? "", failure?.Where ?? binding.File, failure?.Line ?? 0, why);
        }

        return PolicyRunner.Fallback(binding.Settings.Fallback);
    }

    /// <summary>Logs, once per 10 s over every policy, that a policy was not run for want of a worker.</summary>
    private void NoWorker(PolicyBinding binding, IsolatedVersion isolated, bool unknownVersion)
    {
        var now = Environment.TickCount64;
        var last = Volatile.Read(ref _lastNoWorkerLog);
        if (now - last >= 10_000 && Interlocked.CompareExchange(ref _lastNoWorkerLog, now, last) == last)
        {
            var why = unknownVersion
                ? "its worker process has not loaded this version (it failed to load there: see the load errors above)"
                : "no worker process is free or running" + (_lastStartError.Length > 0 ? " (" + _lastStartError + ")" : "");
            LogNoWorker(binding.Owner.ToString(), isolated.Version.Revision, why, binding.Settings.Fallback);
        }
    }

    /// <summary>
    /// An idle channel for a query, the thread's own first (each UDP loop keeps to one). When every channel is
    /// busy, waits for one, never past the deadline; when none has a worker, gives up at once.
    /// </summary>
    private WorkerChannel? TakeForQuery(long until)
    {
        var channels = _channels;
        var first = t_preferred;
        for (var i = 0; i < channels.Length; i++)
        {
            var index = (first + i) % channels.Length;
            if (channels[index].TryTake())
            {
                t_preferred = index;
                return channels[index];
            }
        }

        var spin = default(SpinWait);
        while (true)
        {
            var busy = false;
            for (var i = 0; i < channels.Length; i++)
            {
                var channel = channels[i];
                if (channel.TryTake())
                {
                    t_preferred = i;
                    return channel;
                }

                busy |= channel.State == WorkerChannel.Busy;
            }

            if (!busy || Environment.TickCount64 >= until)
            {
                return null;
            }

            spin.SpinOnce();
        }
    }

    /// <summary>Takes a given channel for a control exchange, waiting while a query holds it; false if it has no worker.</summary>
    private static bool TakeForControl(WorkerChannel channel, long deadline)
    {
        while (true)
        {
            if (channel.TryTake())
            {
                return true;
            }

            if (channel.State is WorkerChannel.Down or WorkerChannel.Starting || Environment.TickCount64 >= deadline)
            {
                return false;
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>
    /// Any channel with a worker, for a control exchange, waiting for starting workers until <paramref name="deadline"/>;
    /// null at once when no worker runs and the last start failed (a missing program or user fails every start).
    /// </summary>
    private WorkerChannel? TakeAny(long deadline)
    {
        while (!_disposed && Environment.TickCount64 < deadline)
        {
            var running = false;
            foreach (var channel in _channels)
            {
                if (channel.TryTake())
                {
                    return channel;
                }

                running |= channel.State == WorkerChannel.Busy;
            }

            if (!running && _lastStartError.Length > 0)
            {
                return null;
            }

            Thread.Sleep(5);
        }

        return null;
    }

    /// <summary>Removes a version from the live set; false if it was not there.</summary>
    private bool Forget(IsolatedVersion isolated)
    {
        lock (_gate)
        {
            if (!_live.Remove(isolated.Id))
            {
                return false;
            }

            _generation++;
            return true;
        }
    }

    /// <summary>The question, for the log of a lost worker: <c>www.example.org. A from 192.0.2.7#5353 over Udp (ECS 198.51.100.0/24)</c>.</summary>
    private static string Question(QueryContext query, DnsName? owner)
    {
        var name = DnsName.FromWire(query.QName.Lower).ToString();
        var text = $"{name} {RecordType.ToText(query.QType)}{(owner is null ? "" : $" (at {owner})")} from {new IPAddress(query.ClientAddress)}#{query.ClientPort} over {query.Transport}";
        return query.Ecs.Present ? $"{text} (ECS {new IPAddress(query.Ecs.FullAddress)}/{query.Ecs.SourcePrefix})" : text;
    }

    /// <summary>A worker lost while answering: for the log written once its last words are in.</summary>
    private sealed record Death(WorkerProcess Process, IsolatedVersion? Version, string Name, string Question, string How);

    /// <summary>How a policy failed in its worker.</summary>
    private sealed record WorkerFailure(PolicyFailureKind Kind, string Type, string Where, int Line, string Message)
    {
        public bool IsBudgetStop => Kind is PolicyFailureKind.Time or PolicyFailureKind.Stack or PolicyFailureKind.Memory;
    }
}
