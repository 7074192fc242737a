using System.Collections.Frozen;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Health.Probes;
using Scriptable.Policies;

namespace Scriptable.Engine.Health;

/// <summary>
/// Runs the health checks in the background and publishes an immutable <see cref="HealthMap"/> whenever a
/// state or an override changes; queries only read the map. One scheduler (a priority queue of due times and
/// one <see cref="TimeProvider"/> timer) starts every probe, asynchronously, at most
/// <see cref="HealthMonitorOptions.MaxConcurrentProbes"/> at once; no thread per check.
/// <list type="bullet">
/// <item>A check's first probe runs when <see cref="Apply"/> adds it, then every interval, jittered.</item>
/// <item>A check goes down after <c>fall</c> failures in a row and up after <c>rise</c> successes in a row;
/// until then it keeps its <c>initial</c> state.</item>
/// <item>Groups are up when at least <c>min-up</c> members are up (overrides of members included).</item>
/// <item>Operators' overrides (force up, force down, drain) win over probes, apply to checks and groups, and
/// lapse at their expiry.</item>
/// </list>
/// </summary>
public sealed partial class HealthMonitor : IAsyncDisposable
{
    /// <summary>Probes due within this much of the timer are started together.</summary>
    private static readonly long SlackTicks = TimeSpan.FromMilliseconds(10).Ticks;

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Action<HealthMap> _publish;
    private readonly HealthMonitorOptions _options;
    private readonly HealthMetrics _metrics;
    private readonly HttpProbeClients _http;
    private readonly SemaphoreSlim _slots;

    // Configuration: replaced as a whole under _applyLock, read without it.
    private readonly Lock _applyLock = new();
    private Running _running = Running.Empty;

    // Scheduler.
    private readonly Lock _scheduleLock = new();
    private readonly PriorityQueue<(HealthCheckState State, long Stamp), long> _queue = new();
    private readonly ITimer _timer;
    private long _armedTicks = long.MaxValue;

    // Publishing.
    private readonly Lock _publishLock = new();
    private readonly ITimer _publishTimer;
    private Layout _layout = Layout.Empty;
    private Dictionary<string, GroupTrack> _groupTracks = new(StringComparer.Ordinal);
    private HealthMap _current = HealthMap.Empty;
    private int _dirty;
    private double _tokens;
    private long _tokensAt;
    private bool _publishTimerArmed;

    // Overrides.
    private readonly Lock _overrideLock = new();
    private readonly ITimer _expiryTimer;
    private ImmutableDictionary<string, HealthOverride> _overrides = ImmutableDictionary.Create<string, HealthOverride>(StringComparer.Ordinal);

    // Cluster mode: the states decided by the cluster's observers, which win over this node's own probes.
    private IReadOnlyDictionary<string, HealthVote> _votes = ImmutableDictionary<string, HealthVote>.Empty;

    private int _inFlight;
    private TaskCompletionSource? _drained;
    private volatile bool _disposed;

    /// <summary>
    /// Creates a monitor with no checks; <see cref="Apply"/> starts them. <paramref name="publish"/> receives
    /// every new map (publish it into the server's snapshot); it runs on the monitor's threads and should be quick.
    /// </summary>
    public HealthMonitor(ILogger logger, TimeProvider time, Action<HealthMap> publish, HealthMonitorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(publish);
        _logger = logger;
        _time = time;
        _publish = publish;
        _options = options ?? new HealthMonitorOptions();
        if (_options.MaxConcurrentProbes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxConcurrentProbes must be at least 1.");
        }

        _slots = new SemaphoreSlim(_options.MaxConcurrentProbes, _options.MaxConcurrentProbes);
        _http = new HttpProbeClients(_options.HttpConnectTimeout);
        _metrics = new HealthMetrics(() => Current, _options.MeterFactory);
        _tokens = Math.Max(1, _options.PublishBurst);
        _tokensAt = time.GetTimestamp();
        _timer = time.CreateTimer(static s => ((HealthMonitor)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _publishTimer = time.CreateTimer(static s => ((HealthMonitor)s!).OnPublishTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _expiryTimer = time.CreateTimer(static s => ((HealthMonitor)s!).OnExpiryTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The map last published (<see cref="HealthMap.Empty"/> before the first <see cref="Apply"/>).</summary>
    public HealthMap Current => Volatile.Read(ref _current);

    /// <summary>Probes started and not yet finished (for tests: 0 when every check is idle and scheduled).</summary>
    internal int RunningProbes => Volatile.Read(ref _inFlight);

    /// <summary>The overrides in force (expired ones lapse by themselves), by check or group name.</summary>
    public IReadOnlyDictionary<string, HealthOverride> Overrides => Volatile.Read(ref _overrides);

    /// <summary>
    /// Called with a check's name when its own state (from this node's probes) changes, on the monitor's threads;
    /// cluster mode publishes the observation. Must be quick and must not throw.
    /// </summary>
    public Action<string>? Observed { get; set; }

    /// <summary>
    /// Cluster mode with shared probing: whether this node probes a check now (false: its probes are skipped, and the
    /// check is rescheduled as usual). Called before every probe, on the monitor's threads; null probes every check.
    /// </summary>
    public Func<HealthCheckConfig, bool>? ShouldProbe { get; set; }

    /// <summary>The cluster's votes in force (empty on a single node), by check name.</summary>
    public IReadOnlyDictionary<string, HealthVote> Votes => Volatile.Read(ref _votes);

    /// <summary>
    /// Every check's own state from this node's probes, in configuration order, with its configuration, and whether
    /// this node probes it now (false while <see cref="ShouldProbe"/> skips it, until its next probe ends).
    /// </summary>
    public IReadOnlyList<(HealthCheckConfig Config, HealthStatus Status, bool Probing)> Observations()
    {
        var running = Volatile.Read(ref _running);
        var list = new List<(HealthCheckConfig, HealthStatus, bool)>(running.Order.Length);
        foreach (var state in running.Order)
        {
            list.Add((state.Config, state.Status(), !state.Skipped));
        }

        return list;
    }

    /// <summary>
    /// Replaces the cluster's votes (cluster mode): a check with a vote shows the vote's state to policies instead of
    /// its own; one without, its own (a single node, or etcd unreachable). Publishes the map.
    /// </summary>
    public void SetVotes(IReadOnlyDictionary<string, HealthVote> votes)
    {
        ArgumentNullException.ThrowIfNull(votes);
        var previous = Interlocked.Exchange(ref _votes, votes);
        if ((previous.Count == 0 && votes.Count == 0) || _disposed)
        {
            return;
        }

        PublishNow(_time.GetUtcNow());
    }

    /// <summary>Every check, then every group, in configuration order, as an operator sees them.</summary>
    public IReadOnlyList<HealthCheckStatus> Statuses
    {
        get
        {
            var overrides = Overrides;
            var votes = Votes;
            var running = Volatile.Read(ref _running);
            var list = new List<HealthCheckStatus>(running.Order.Length + running.Groups.Count);
            foreach (var state in running.Order)
            {
                overrides.TryGetValue(state.Name, out var applied);
                votes.TryGetValue(state.Name, out var vote);
                list.Add(state.Read(s => new HealthCheckStatus
                {
                    Name = s.Name,
                    Kind = s.Config.Kind,
                    Target = s.Config.Probe.Target,
                    State = Effective(vote?.State ?? s.State, applied),
                    Vote = vote?.Text,
                    CheckState = s.State,
                    Since = s.Since,
                    Reason = s.LastReason,
                    Output = s.LastOutput,
                    LastProbe = s.LastProbe,
                    LastLatency = s.LastLatency,
                    ConsecutiveSuccesses = s.Successes,
                    ConsecutiveFailures = s.Failures,
                    Probes = s.Probes,
                    Failures = s.FailureCount,
                    Override = applied,
                }));
            }

            lock (_publishLock)
            {
                foreach (var group in _layout.Groups)
                {
                    if (!_groupTracks.TryGetValue(group.Config.Name, out var track))
                    {
                        continue;
                    }

                    overrides.TryGetValue(group.Config.Name, out var applied);
                    list.Add(new HealthCheckStatus
                    {
                        Name = group.Config.Name,
                        Kind = HealthCheckKind.Group,
                        Target = $"min-up {group.Config.MinUp} of {string.Join(", ", group.Config.Members)}",
                        State = Effective(track.State, applied),
                        CheckState = track.State,
                        Since = track.Since,
                        Reason = track.Reason,
                        Override = applied,
                    });
                }
            }

            return list;
        }
    }

    /// <summary>
    /// Runs <paramref name="config"/>: new checks start at once (their first probe runs now; when more than
    /// <see cref="HealthMonitorOptions.MaxConcurrentProbes"/> are added together, their first probes are spread
    /// over one interval); removed checks stop (a probe in flight is cancelled); a check that probes the same
    /// thing as before keeps its state, history and schedule, and takes its new interval, timeout, rise and fall
    /// from its next probe; a check whose probe changed (kind, target or any probe setting) starts again from
    /// its initial state. Publishes the map once, at the end.
    /// </summary>
    public void Apply(HealthConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        lock (_applyLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _time.GetUtcNow();
            Validate(config);
            var previousRunning = Volatile.Read(ref _running);
            var previous = previousRunning.Checks;
            var groupsChanged = previousRunning.Groups.Count != config.Groups.Count
                || previousRunning.Groups.Where((g, i) => g.Name != config.Groups[i].Name || g.MinUp != config.Groups[i].MinUp || !g.Members.SequenceEqual(config.Groups[i].Members)).Any();
            var next = new Dictionary<string, HealthCheckState>(StringComparer.Ordinal);
            var order = new List<HealthCheckState>(config.Checks.Count);
            var added = new List<HealthCheckState>();
            var retimed = new List<HealthCheckState>();
            var restarted = 0;
            foreach (var check in config.Checks)
            {
                HealthCheckState state;
                if (previous.TryGetValue(check.Name, out var old) && old.Config.Probe.Equals(check.Probe))
                {
                    state = old;
                    if (old.Config.Interval != check.Interval)
                    {
                        retimed.Add(old);
                    }

                    old.Config = check;
                }
                else
                {
                    if (old is not null)
                    {
                        restarted++;
                    }

                    state = new HealthCheckState(check, CreateProber(check), now);
                    added.Add(state);
                }

                next[check.Name] = state;
                order.Add(state);
            }

            var removed = 0;
            foreach (var (name, old) in previous)
            {
                if (!next.TryGetValue(name, out var kept) || !ReferenceEquals(kept, old))
                {
                    Retire(old);
                    removed += next.ContainsKey(name) ? 0 : 1;
                }
            }

            Volatile.Write(ref _running, new Running(next, [.. order], config.Groups));
            lock (_publishLock)
            {
                RebuildLayoutLocked();
                Volatile.Write(ref _dirty, 0);
                BuildAndPublishLocked(now);
            }

            // Start the new checks: all at once, unless there are more than can run together.
            var nowTicks = now.UtcTicks;
            var spread = added.Count > _options.MaxConcurrentProbes;
            for (var i = 0; i < added.Count; i++)
            {
                var offset = spread ? added[i].Config.Interval.Ticks * i / added.Count : 0;
                ScheduleAt(added[i], nowTicks + offset);
            }

            foreach (var state in retimed)
            {
                Retime(state, nowTicks);
            }

            // Every reload of the folder applies the file again: only a change is worth a line.
            if (added.Count > 0 || removed > 0 || retimed.Count > 0 || groupsChanged)
            {
                LogApplied(config.Checks.Count, added.Count - restarted, removed, restarted, config.Groups.Count);
            }
        }
    }

    /// <summary>
    /// Sets (or, with null, clears) the override of a check or group. A name with no check or group is allowed:
    /// an operator may drain a name before its check exists, and the name appears in the map with the
    /// override's state (so a pool member with no check at all can be drained too). An override that has already
    /// expired lapses at once. Publishes the map before returning.
    /// </summary>
    public void SetOverride(string name, HealthOverride? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var now = _time.GetUtcNow();
        HealthOverride? previous;
        lock (_overrideLock)
        {
            var overrides = _overrides;
            overrides.TryGetValue(name, out previous);
            if (value is null || value.IsExpired(now))
            {
                if (previous is null && value is null)
                {
                    return;
                }

                Volatile.Write(ref _overrides, overrides.Remove(name));
            }
            else
            {
                Volatile.Write(ref _overrides, overrides.SetItem(name, value));
            }

            ArmExpiryLocked(now);
        }

        if (value is null)
        {
            LogOverrideCleared(name, HealthOverride.KindText(previous!.Kind));
        }
        else if (value.IsExpired(now))
        {
            LogOverrideExpired(name, HealthOverride.KindText(value.Kind));
            if (previous is null)
            {
                return;
            }
        }
        else
        {
            LogOverrideSet(name, value.Describe());
        }

        PublishNow(now);
    }

    /// <summary>Rejects a configuration the parser would not produce: a name twice, a group clashing or with unknown members.</summary>
    private static void Validate(HealthConfig config)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var check in config.Checks)
        {
            if (!names.Add(check.Name))
            {
                throw new ArgumentException($"The check '{check.Name}' is configured twice.", nameof(config));
            }

            if (check.Timeout <= TimeSpan.Zero || check.Interval <= TimeSpan.Zero || check.Rise < 1 || check.Fall < 1)
            {
                throw new ArgumentException($"The check '{check.Name}' needs a positive interval and timeout, and rise and fall of at least 1.", nameof(config));
            }
        }

        var checks = new HashSet<string>(names, StringComparer.Ordinal);
        foreach (var group in config.Groups)
        {
            if (!names.Add(group.Name) || group.Members.Any(m => !checks.Contains(m)) || group.MinUp < 1)
            {
                throw new ArgumentException($"The group '{group.Name}' clashes with another name, names a member that is not a check, or has min-up below 1.", nameof(config));
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        lock (_applyLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _drained, drained);
        lock (_scheduleLock)
        {
            _queue.Clear();
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        await _publishTimer.DisposeAsync().ConfigureAwait(false);
        await _expiryTimer.DisposeAsync().ConfigureAwait(false);
        foreach (var state in Volatile.Read(ref _running).Order)
        {
            Retire(state);
        }

        // Probes in flight see their cancellation and end; wait for them a little (a real clock: this is shutdown).
        if (Volatile.Read(ref _inFlight) > 0)
        {
            await Task.WhenAny(drained.Task, Task.Delay(TimeSpan.FromSeconds(5), TimeProvider.System)).ConfigureAwait(false);
        }

        _http.Dispose();
        _metrics.Dispose();
    }

    private IHealthProber CreateProber(HealthCheckConfig check) => check.Probe switch
    {
        HttpProbeConfig http => new HttpProber(http, _http.For(http.TlsVerify || http.Url.Scheme != Uri.UriSchemeHttps), _options.MaxBodyBytes, _options.ProbeAgent),
        TcpProbeConfig tcp => new TcpProber(tcp),
        DnsProbeConfig dns => new DnsProber(dns),
        CommandProbeConfig command => new CommandProber(command, _options.CommandChecks),
        _ => throw new ArgumentException($"The check '{check.Name}' has an unknown kind of probe.", nameof(check)),
    };

    private static HealthState Effective(HealthState state, HealthOverride? applied) => Effective(state, applied?.Kind);

    /// <summary>The state a check shows under an override of <paramref name="kind"/> (none: its own).</summary>
    internal static HealthState Effective(HealthState state, HealthOverrideKind? kind) => kind switch
    {
        HealthOverrideKind.ForceUp => HealthState.Up,
        HealthOverrideKind.ForceDown => HealthState.Down,
        HealthOverrideKind.Drain => HealthState.Draining,
        _ => state,
    };

    private static HealthStatus Apply(HealthStatus status, HealthOverride? applied) => applied is null
        ? status
        : new HealthStatus(Effective(status.State, applied), applied.SetAt) { Reason = applied.Describe(), Overridden = true };

    // ---- Scheduler -------------------------------------------------------------------------------------

    private void ScheduleAt(HealthCheckState state, long dueTicks)
    {
        lock (_scheduleLock)
        {
            if (state.Stopped || _disposed)
            {
                return;
            }

            state.ScheduleStamp++;
            state.DueTicks = dueTicks;
            _queue.Enqueue((state, state.ScheduleStamp), dueTicks);
            if (dueTicks < _armedTicks)
            {
                ArmLocked(dueTicks);
            }
        }
    }

    /// <summary>Stops a check: a probe in flight is cancelled (and disposes the state when it ends), otherwise the state is disposed now.</summary>
    private void Retire(HealthCheckState state)
    {
        state.Stop();
        lock (_scheduleLock)
        {
            if (!state.InFlight)
            {
                state.Dispose();
            }
        }
    }

    /// <summary>A kept check whose interval changed: its next probe comes no later than one new interval from now.</summary>
    private void Retime(HealthCheckState state, long nowTicks)
    {
        long due;
        lock (_scheduleLock)
        {
            if (state.InFlight)
            {
                return;
            }

            due = Math.Min(state.DueTicks, nowTicks + state.Config.Interval.Ticks);
        }

        ScheduleAt(state, due);
    }

    private void ArmLocked(long dueTicks)
    {
        _armedTicks = dueTicks;
        var delay = Math.Max(0, dueTicks - _time.GetUtcNow().UtcTicks);
        _timer.Change(TimeSpan.FromTicks(delay), Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        List<HealthCheckState>? due = null;
        lock (_scheduleLock)
        {
            if (_disposed)
            {
                return;
            }

            var limit = _time.GetUtcNow().UtcTicks + SlackTicks;
            _armedTicks = long.MaxValue;
            while (_queue.TryPeek(out var entry, out var ticks) && ticks <= limit)
            {
                _queue.Dequeue();
                var state = entry.State;
                if (entry.Stamp == state.ScheduleStamp && !state.Stopped && !state.InFlight)
                {
                    state.InFlight = true;
                    state.DueTicks = long.MaxValue;
                    (due ??= []).Add(state);
                }
            }

            if (_queue.TryPeek(out _, out var next))
            {
                ArmLocked(next);
            }
        }

        if (due is null)
        {
            return;
        }

        foreach (var state in due)
        {
            _ = RunProbeAsync(state);
        }
    }

    /// <summary>One probe of one check: wait for a slot, probe within the timeout, fold the result in, schedule the next. Never throws.</summary>
    private async Task RunProbeAsync(HealthCheckState state)
    {
        Interlocked.Increment(ref _inFlight);
        var startTicks = _time.GetUtcNow().UtcTicks;
        try
        {
            var config = state.Config;
            if (ShouldProbe is { } should && !should(config))
            {
                // Another node probes it (shared probing): when this one takes over, its first result is published.
                state.Skipped = true;
                return;
            }

            await _slots.WaitAsync(state.Stopping).ConfigureAwait(false);
            ProbeResult result;
            TimeSpan latency;
            try
            {
                (result, latency) = await ProbeOnceAsync(state, config).ConfigureAwait(false);
            }
            finally
            {
                _slots.Release();
            }

            if (state.Stopped)
            {
                return;
            }

            var transition = state.Record(result.Success, result.Reason, result.Output, latency, _time.GetUtcNow());
            if (transition is not null || state.Skipped)
            {
                state.Skipped = false;
                Observed?.Invoke(config.Name);
            }

            _metrics.Probe(config.Name, result.Success, latency);
            if (!result.Success)
            {
                LogProbeFailed(config.Name, result.Describe());
            }

            if (transition is { } change)
            {
                // The operator's log has the output too; the map (what policies read) has the reason only.
                LogStateChanged(config.Name, StateText(change.To), result.Describe(), change.Count,
                    change.To == HealthState.Up ? (change.Count == 1 ? "success" : "successes") : (change.Count == 1 ? "failure" : "failures"),
                    StateText(change.From), HealthDuration.Format(change.Held));
                RequestPublish();
            }
        }
        catch (OperationCanceledException) when (state.Stopped)
        {
            // Removed (or shutting down) while waiting or probing: nothing to record.
        }
        catch (Exception ex)
        {
            // A bug, not a probe failure (those are results): log it, and keep the check scheduled.
            LogProbeError(ex, state.Name);
        }
        finally
        {
            lock (_scheduleLock)
            {
                state.InFlight = false;
            }

            if (state.Stopped)
            {
                state.Dispose();
            }
            else if (!_disposed)
            {
                ScheduleAt(state, NextDue(startTicks, state.Config.Interval));
            }

            if (Interlocked.Decrement(ref _inFlight) == 0 && _disposed)
            {
                Volatile.Read(ref _drained)?.TrySetResult();
            }
        }
    }

    private async ValueTask<(ProbeResult Result, TimeSpan Latency)> ProbeOnceAsync(HealthCheckState state, HealthCheckConfig config)
    {
        var started = _time.GetTimestamp();
        using var timeout = new CancellationTokenSource(config.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, state.Stopping);
        ProbeResult result;
        try
        {
            result = await state.Prober.ProbeAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!state.Stopped)
        {
            // Whatever a probe throws once its timeout fired is the timeout (HttpClient, sockets and processes
            // each report cancellation in their own way).
            result = ProbeResult.Fail(timeout.IsCancellationRequested
                ? $"timeout after {HealthDuration.Format(config.Timeout)}{(config.Kind == HealthCheckKind.Command ? " (killed)" : "")}"
                : ProbeErrors.Describe(ex));
        }

        return (result, _time.GetElapsedTime(started));
    }

    /// <summary>The next due time: one interval after this probe's start, plus or minus the jitter, never in the past.</summary>
    private long NextDue(long startTicks, TimeSpan interval)
    {
        var jitter = _options.Jitter <= 0 ? 0 : _options.Jitter * ((2 * Random.Shared.NextDouble()) - 1);
        var due = startTicks + (long)(interval.Ticks * (1 + jitter));
        return Math.Max(due, _time.GetUtcNow().UtcTicks);
    }

    // ---- Publishing ------------------------------------------------------------------------------------

    /// <summary>
    /// A probe changed a state: publish now, unless many changes are coming in at once, in which case one
    /// publish per <see cref="HealthMonitorOptions.PublishInterval"/> carries them all. Concurrent requests
    /// coalesce: whoever holds the lock publishes what the others changed.
    /// </summary>
    private void RequestPublish()
    {
        Interlocked.Exchange(ref _dirty, 1);
        while (Volatile.Read(ref _dirty) == 1 && !_disposed && _publishLock.TryEnter())
        {
            try
            {
                if (Volatile.Read(ref _dirty) == 0 || _disposed)
                {
                    continue;
                }

                if (!TakeTokenLocked(out var wait))
                {
                    if (!_publishTimerArmed && !_disposed)
                    {
                        _publishTimerArmed = true;
                        _publishTimer.Change(wait, Timeout.InfiniteTimeSpan);
                    }

                    return;
                }

                Volatile.Write(ref _dirty, 0);
                BuildAndPublishLocked(_time.GetUtcNow());
            }
            finally
            {
                _publishLock.Exit();
            }
        }
    }

    private void OnPublishTimer()
    {
        lock (_publishLock)
        {
            _publishTimerArmed = false;
            if (_disposed || Interlocked.Exchange(ref _dirty, 0) == 0)
            {
                return;
            }

            TakeTokenLocked(out _);
            BuildAndPublishLocked(_time.GetUtcNow());
        }
    }

    /// <summary>Takes a publish token (a bucket of <see cref="HealthMonitorOptions.PublishBurst"/>, refilled one per interval).</summary>
    private bool TakeTokenLocked(out TimeSpan wait)
    {
        var now = _time.GetTimestamp();
        var interval = Math.Max(1, _options.PublishInterval.Ticks);
        _tokens = Math.Min(Math.Max(1, _options.PublishBurst), _tokens + ((double)_time.GetElapsedTime(_tokensAt, now).Ticks / interval));
        _tokensAt = now;
        if (_tokens >= 1)
        {
            _tokens -= 1;
            wait = TimeSpan.Zero;
            return true;
        }

        wait = TimeSpan.FromTicks((long)Math.Ceiling((1 - _tokens) * interval));
        return false;
    }

    /// <summary>Publishes at once (an operator's action or an expiry), with the set of names rebuilt.</summary>
    private void PublishNow(DateTimeOffset now)
    {
        lock (_publishLock)
        {
            if (_disposed)
            {
                return;
            }

            RebuildLayoutLocked();
            Volatile.Write(ref _dirty, 0);
            BuildAndPublishLocked(now);
        }
    }

    /// <summary>Assigns every name a slot: checks, then groups, then names that only an override sets.</summary>
    private void RebuildLayoutLocked()
    {
        var running = Volatile.Read(ref _running);
        var order = running.Order;
        var overrides = Overrides;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var state in order)
        {
            index[state.Name] = index.Count;
        }

        var groups = new GroupSlot[running.Groups.Count];
        for (var i = 0; i < groups.Length; i++)
        {
            var config = running.Groups[i];
            groups[i] = new GroupSlot(config, index.Count, [.. config.Members.Select(m => index[m])]);
            index[config.Name] = index.Count;
        }

        var overrideOnly = new List<string>();
        foreach (var name in overrides.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(name))
            {
                index[name] = index.Count;
                overrideOnly.Add(name);
            }
        }

        _layout = new Layout(index.ToFrozenDictionary(StringComparer.Ordinal), order, groups, [.. overrideOnly]);
        var tracks = new Dictionary<string, GroupTrack>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            if (_groupTracks.TryGetValue(group.Config.Name, out var track))
            {
                tracks[group.Config.Name] = track;
            }
        }

        _groupTracks = tracks;
    }

    private void BuildAndPublishLocked(DateTimeOffset now)
    {
        var layout = _layout;
        var overrides = Overrides;
        var votes = Votes;
        var statuses = new HealthStatus[layout.Count];
        for (var i = 0; i < layout.Checks.Length; i++)
        {
            var state = layout.Checks[i];
            var own = votes.TryGetValue(state.Name, out var vote) ? new HealthStatus(vote.State, vote.Since) { Reason = vote.Text } : state.Status();
            statuses[i] = Apply(own, overrides.GetValueOrDefault(state.Name));
        }

        foreach (var group in layout.Groups)
        {
            var up = 0;
            foreach (var member in group.Members)
            {
                up += statuses[member].IsUp ? 1 : 0;
            }

            var state = up >= group.Config.MinUp ? HealthState.Up : HealthState.Down;
            var name = group.Config.Name;
            if (!_groupTracks.TryGetValue(name, out var track) || track.State != state || track.Up != up)
            {
                var reason = $"{up} of {group.Members.Length} members up (min-up {group.Config.MinUp})";
                var since = track is null || track.State != state ? now : track.Since;
                if (track is not null && track.State != state)
                {
                    LogGroupChanged(name, StateText(state), reason, StateText(track.State), HealthDuration.Format(now - track.Since));
                }

                track = new GroupTrack(state, since, up, reason);
                _groupTracks[name] = track;
            }

            statuses[group.Slot] = Apply(new HealthStatus(state, track.Since) { Reason = track.Reason }, overrides.GetValueOrDefault(name));
        }

        for (var i = 0; i < layout.OverrideOnly.Length; i++)
        {
            var slot = layout.Checks.Length + layout.Groups.Length + i;
            statuses[slot] = overrides.TryGetValue(layout.OverrideOnly[i], out var applied)
                ? Apply(default, applied)
                : default;
        }

        var map = new HealthMap(layout.Index, statuses);
        Volatile.Write(ref _current, map);
        try
        {
            _publish(map);
        }
        catch (Exception ex)
        {
            LogPublishFailed(ex);
        }
    }

    // ---- Overrides ---------------------------------------------------------------------------------------

    private void ArmExpiryLocked(DateTimeOffset now)
    {
        if (_disposed)
        {
            return;
        }

        DateTimeOffset? next = null;
        foreach (var value in _overrides.Values)
        {
            if (value.Expires is { } expires && (next is null || expires < next))
            {
                next = expires;
            }
        }

        _expiryTimer.Change(next is { } due ? Max(due - now, TimeSpan.Zero) : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void OnExpiryTimer()
    {
        if (_disposed)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var expired = new List<(string Name, HealthOverride Value)>();
        lock (_overrideLock)
        {
            var overrides = _overrides;
            foreach (var (name, value) in overrides)
            {
                if (value.IsExpired(now))
                {
                    expired.Add((name, value));
                    overrides = overrides.Remove(name);
                }
            }

            Volatile.Write(ref _overrides, overrides);
            ArmExpiryLocked(now);
        }

        foreach (var (name, value) in expired)
        {
            LogOverrideExpired(name, HealthOverride.KindText(value.Kind));
        }

        if (expired.Count > 0)
        {
            PublishNow(now);
        }
    }

    private static string StateText(HealthState state) => state switch
    {
        HealthState.Up => "up",
        HealthState.Down => "down",
        HealthState.Draining => "draining",
        _ => "unknown",
    };

    /// <summary>The running configuration: checks by name, in order, and the groups.</summary>
    private sealed record Running(Dictionary<string, HealthCheckState> Checks, HealthCheckState[] Order, IReadOnlyList<HealthGroupConfig> Groups)
    {
        public static Running Empty { get; } = new(new Dictionary<string, HealthCheckState>(StringComparer.Ordinal), [], []);
    }

    /// <summary>The slots of one configuration: the map's index, and where each check and group goes.</summary>
    private sealed record Layout(FrozenDictionary<string, int> Index, HealthCheckState[] Checks, GroupSlot[] Groups, string[] OverrideOnly)
    {
        public static Layout Empty { get; } = new(FrozenDictionary<string, int>.Empty, [], [], []);

        public int Count => Checks.Length + Groups.Length + OverrideOnly.Length;
    }

    private sealed record GroupSlot(HealthGroupConfig Config, int Slot, int[] Members);

    /// <summary>A group's computed state, since when, and its member count (the reason text is cached with it).</summary>
    private sealed record GroupTrack(HealthState State, DateTimeOffset Since, int Up, string Reason);
}
