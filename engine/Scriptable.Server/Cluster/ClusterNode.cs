using System.Collections.Frozen;
using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Health;
using Scriptable.Policies;

namespace Scriptable.Server.Cluster;

/// <summary>
/// This node's membership of a cluster (Cluster/README.md): one session with etcd at a time, which registers the
/// node under a lease and keeps it alive, loads and then watches every key of the cluster's prefix, applies the
/// cluster's overrides to the health monitor, publishes this node's observations of its checks, and hands the
/// monitor the votes of the live observers. When etcd cannot be reached it says so once, keeps what it knew
/// (overrides, members), lets the monitor fall back to its own probes, and tries again until a session starts.
/// Nothing here is on the query path: the monitor publishes the map queries read.
/// </summary>
internal sealed partial class ClusterNode : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    private readonly ClusterConfig _config;
    private readonly HealthMonitor _health;
    private readonly Func<ClusterMember> _self;
    private readonly Action _overridesChanged;
    private readonly ILogger _logger;
    private readonly EtcdConnection _etcd;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstSession = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Lock _gate = new();
    private readonly Lock _voteGate = new();

    // Guarded by _gate: what etcd said.
    private readonly Dictionary<string, ClusterMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HealthObservation>> _remote = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _driftWarned = new(StringComparer.Ordinal);
    private ClusterView _view = ClusterView.Starting;
    private bool _unreachableSaid;
    private bool _membershipChanged;  // guarded by _gate
    private int _registrationDirty;
    private long _lease;
    private Task? _run;

    public ClusterNode(ClusterConfig config, HealthMonitor health, Func<ClusterMember> self, Action overridesChanged, ILogger logger)
    {
        _config = config;
        _health = health;
        _self = self;
        _overridesChanged = overridesChanged;
        _logger = logger;
        Node = config.NodeName;
        Prefix = config.Prefix;
        _etcd = new EtcdConnection(config);
    }

    /// <summary>This node's name.</summary>
    public string Node { get; }

    /// <summary>The key prefix (<c>/scriptable</c>).</summary>
    public string Prefix { get; }

    /// <summary>What this node knows of the cluster now.</summary>
    public ClusterView View => Volatile.Read(ref _view);

    /// <summary>The key of a node's registration.</summary>
    public string NodeKey(string node) => $"{Prefix}/nodes/{node}";

    /// <summary>The key of an override.</summary>
    public string OverrideKey(string name) => $"{Prefix}/overrides/{name}";

    /// <summary>The key of a node's observation of a check.</summary>
    public string ObservationKey(string check, string node) => $"{Prefix}/observations/{check}/{node}";

    /// <summary>
    /// Starts the sessions in the background and waits, at most two request timeouts, for the first to load the
    /// cluster's overrides (so a restarted node serves the cluster's drains from its first answer when etcd is there).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _health.Observed = OnObserved;
        _health.ShouldProbe = IsProber;
        _run = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        await Task.WhenAny(_firstSession.Task, Task.Delay(TimeSpan.FromSeconds(_config.TimeoutSeconds * 2), cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The folder was loaded again: register again (the policies hash may differ) and publish every observation.</summary>
    public void ConfigurationApplied()
    {
        Interlocked.Exchange(ref _registrationDirty, 1);
        MarkAllObservations();
        RecomputeVotes();
        Wake();
    }

    /// <summary>
    /// Sets or clears an override in etcd, then here (the others follow through their watch). Throws
    /// <see cref="ClusterUnavailableException"/> when etcd cannot be reached or refuses: then nothing changed.
    /// </summary>
    public async Task SetOverrideAsync(string name, HealthOverride? value, CancellationToken cancellationToken)
    {
        var view = View;
        if (!view.Connected)
        {
            throw new ClusterUnavailableException($"etcd is unreachable ({view.Error}): the override of '{name}' was not changed on any node; try again when etcd is back");
        }

        try
        {
            if (value is null)
            {
                await _etcd.DeleteAsync(OverrideKey(name), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // The expiry is in the value (every node lapses it on time); a lease a little longer deletes the key afterwards.
                var lease = value.Expires is { } expires
                    ? await _etcd.GrantAsync(Math.Max(1, (long)Math.Ceiling((expires - DateTimeOffset.UtcNow).TotalSeconds + _config.LeaseSeconds)), cancellationToken).ConfigureAwait(false)
                    : 0;
                await _etcd.PutAsync(OverrideKey(name), ClusterValues.Override(value, Node), lease, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RpcException ex)
        {
            throw new ClusterUnavailableException($"etcd did not take the override of '{name}' ({Describe(ex)}): nothing was changed", ex);
        }

        ApplyOverride(name, value);
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var delay = FirstRetryDelay;
        while (!stop.IsCancellationRequested)
        {
            var connected = false;
            try
            {
                await SessionAsync(() => connected = true, stop).ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Disconnected(Describe(ex));
            }

            delay = connected ? FirstRetryDelay : TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, delay.Ticks * 2));
            try
            {
                await Task.Delay(delay, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// One session: load every key and watch from there (a member answers these without a leader, so a node catches up
    /// at once after its member failed, even during an election), then register under a new lease and keep it alive,
    /// until something fails (it throws why).
    /// </summary>
    private async Task SessionAsync(Action connected, CancellationToken stop)
    {
        await _etcd.AuthenticateAsync(stop).ConfigureAwait(false);
        var range = await _etcd.RangeAsync(Prefix + "/", stop).ConfigureAwait(false);
        var overrides = new Dictionary<string, HealthOverride>(StringComparer.Ordinal);
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            _members.Clear();
            _remote.Clear();
            foreach (var kv in range.Kvs)
            {
                Read(kv.Key.ToStringUtf8(), kv.Value.ToStringUtf8(), now, overrides, null);
            }
        }

        // What etcd holds is the cluster's whole set of overrides: those it lacks were cleared while we were away.
        foreach (var (name, value) in overrides)
        {
            ApplyOverride(name, value);
        }

        foreach (var name in _health.Overrides.Keys.Where(n => !overrides.ContainsKey(n)).ToList())
        {
            ApplyOverride(name, null);
        }

        using var session = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var watch = WatchAsync(range.Header.Revision + 1, session.Token);
        var keepAlive = Task.CompletedTask;
        var write = Task.CompletedTask;
        try
        {
            var ttl = (long)Math.Ceiling(_config.LeaseSeconds);
            var lease = await _etcd.GrantAsync(ttl, stop).ConfigureAwait(false);
            Volatile.Write(ref _lease, lease);
            Interlocked.Exchange(ref _registrationDirty, 0);
            await _etcd.PutAsync(NodeKey(Node), ClusterValues.Member(_self()), lease, stop).ConfigureAwait(false);
            MarkAllObservations();
            keepAlive = KeepAliveAsync(lease, session.Token);
            write = WriteAsync(lease, session.Token);
        }
        catch
        {
            await session.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(watch).ConfigureAwait(false);
            throw;
        }

        Connected();
        connected();
        var first = await Task.WhenAny(watch, keepAlive, write).ConfigureAwait(false);
        await session.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(watch, keepAlive, write).ConfigureAwait(false);
        }
        catch (Exception) when (!ReferenceEquals(first.Exception, null) || session.IsCancellationRequested)
        {
            // The first failure is the reason; the others only followed it.
        }

        await first.ConfigureAwait(false);
        throw new IOException("the session with etcd ended");
    }

    private async Task WatchAsync(long revision, CancellationToken cancellationToken)
    {
        using var call = _etcd.Watch(cancellationToken);
        await call.RequestStream.WriteAsync(EtcdConnection.WatchFrom(Prefix + "/", revision), cancellationToken).ConfigureAwait(false);
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var response = call.ResponseStream.Current;
            if (response.Canceled || response.CompactRevision > 0)
            {
                throw new IOException($"etcd cancelled the watch ({(response.CompactRevision > 0 ? "compacted" : response.CancelReason)})");
            }

            if (response.Events.Count == 0)
            {
                continue;
            }

            var overrides = new Dictionary<string, HealthOverride>(StringComparer.Ordinal);
            var cleared = new List<string>();
            var now = DateTimeOffset.UtcNow;
            bool membershipChanged;
            lock (_gate)
            {
                foreach (var change in response.Events)
                {
                    var key = change.Kv.Key.ToStringUtf8();
                    Read(key, change.Type == Mvccpb.Event.Types.EventType.Put ? change.Kv.Value.ToStringUtf8() : null, now, overrides, cleared);
                }

                membershipChanged = _membershipChanged;
                _membershipChanged = false;
            }

            foreach (var name in cleared)
            {
                ApplyOverride(name, null);
            }

            foreach (var (name, value) in overrides)
            {
                ApplyOverride(name, value);
            }

            if (membershipChanged)
            {
                // Nodes joined or left: shared probing hands checks over, and their observations follow.
                MarkAllObservations();
                Wake();
            }

            RecomputeVotes();
            PublishView();
        }

        throw new IOException("etcd closed the watch");
    }

    private async Task KeepAliveAsync(long lease, CancellationToken cancellationToken)
    {
        using var call = _etcd.KeepAlive(cancellationToken);
        var period = TimeSpan.FromSeconds(_config.LeaseSeconds / 3);
        while (true)
        {
            await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(_config.TimeoutSeconds));
            if (!await call.ResponseStream.MoveNext(timeout.Token).ConfigureAwait(false))
            {
                throw new IOException("etcd closed the keep-alive stream");
            }

            if (call.ResponseStream.Current.TTL <= 0)
            {
                throw new IOException("this node's lease expired");
            }

            // Written again at every keep-alive: the others' "last heard".
            Interlocked.Exchange(ref _registrationDirty, 1);
            Wake();
            await Task.Delay(period, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes this node's registration and changed observations, under the session's lease, as they change.</summary>
    private async Task WriteAsync(long lease, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (Interlocked.Exchange(ref _registrationDirty, 0) == 1)
            {
                await _etcd.PutAsync(NodeKey(Node), ClusterValues.Member(_self()), lease, cancellationToken).ConfigureAwait(false);
            }

            List<string> dirty;
            lock (_gate)
            {
                dirty = [.. _dirty];
                _dirty.Clear();
            }

            if (dirty.Count > 0)
            {
                var wanted = new HashSet<string>(dirty, StringComparer.Ordinal);
                foreach (var (config, status, probing) in _health.Observations())
                {
                    if (!wanted.Contains(config.Name))
                    {
                        continue;
                    }

                    if (!IsProber(config))
                    {
                        // Shared probing gave the check to other nodes: this node's view leaves the votes.
                        await _etcd.DeleteAsync(ObservationKey(config.Name, Node), cancellationToken).ConfigureAwait(false);
                    }
                    else if (probing)
                    {
                        await _etcd.PutAsync(ObservationKey(config.Name, Node), ClusterValues.Observation(status), lease, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            await _wake.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Folds one key in (under <see cref="_gate"/>); overrides are collected for the caller to apply outside the lock.</summary>
    private void Read(string key, string? value, DateTimeOffset now, Dictionary<string, HealthOverride> overrides, List<string>? cleared)
    {
        if (!key.StartsWith(Prefix + "/", StringComparison.Ordinal))
        {
            return;
        }

        var parts = key[(Prefix.Length + 1)..].Split('/');
        switch (parts)
        {
            case ["nodes", var node]:
                if (value is not null && ClusterValues.ReadMember(value) is { } member)
                {
                    _membershipChanged |= !_members.ContainsKey(node);
                    _members[node] = member with { Node = node, LastHeard = now };
                }
                else if (value is null)
                {
                    _membershipChanged |= _members.Remove(node);
                }

                break;
            case ["overrides", var name]:
                if (value is not null && ClusterValues.ReadOverride(value) is { } applied)
                {
                    overrides[name] = applied;
                    cleared?.Remove(name);
                }
                else if (value is null)
                {
                    overrides.Remove(name);
                    cleared?.Add(name);
                }

                break;
            case ["observations", var check, var observer]:
                if (value is not null && ClusterValues.ReadObservation(observer, value) is { } observation)
                {
                    if (!_remote.TryGetValue(check, out var byNode))
                    {
                        _remote[check] = byNode = new Dictionary<string, HealthObservation>(StringComparer.Ordinal);
                    }

                    byNode[observer] = observation;
                }
                else if (value is null && _remote.TryGetValue(check, out var byNode))
                {
                    byNode.Remove(observer);
                }

                break;
        }
    }

    private void ApplyOverride(string name, HealthOverride? value)
    {
        var current = _health.Overrides.GetValueOrDefault(name);
        if (current == value)
        {
            return;
        }

        _health.SetOverride(name, value);
        _overridesChanged();
    }

    private void OnObserved(string check)
    {
        lock (_gate)
        {
            _dirty.Add(check);
        }

        RecomputeVotes();
        Wake();
    }

    private void MarkAllObservations()
    {
        var all = _health.Observations();
        lock (_gate)
        {
            foreach (var (config, _, _) in all)
            {
                _dirty.Add(config.Name);
            }
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    /// <summary>
    /// The votes of the live observers (this node's own view from its monitor, the others' from etcd) for every check
    /// this node runs; none while etcd is unreachable, so the monitor falls back to this node's own probes.
    /// </summary>
    private void RecomputeVotes()
    {
        lock (_voteGate)
        {
            var own = _health.Observations();
            var votes = new Dictionary<string, HealthVote>(StringComparer.Ordinal);
            if (View.Connected)
            {
                lock (_gate)
                {
                    foreach (var (config, status, probing) in own)
                    {
                        // With shared probing only the chosen nodes vote; this node's own view counts once it has probed.
                        var probers = config.Probers > 0 ? Rendezvous.Choose(config.Name, LiveNodesLocked(), config.Probers) : null;
                        var list = new List<HealthObservation>();
                        if (probers is null || (probing && probers.Contains(Node)))
                        {
                            list.Add(new(Node, status.State == HealthState.Down ? HealthState.Down : HealthState.Up, status.Since, status.Reason));
                        }

                        if (_remote.TryGetValue(config.Name, out var byNode))
                        {
                            foreach (var (node, observation) in byNode)
                            {
                                if (node != Node && _members.ContainsKey(node) && (probers is null || probers.Contains(node)))
                                {
                                    list.Add(observation);
                                }
                            }
                        }

                        if (HealthVote.Decide(config.Quorum, list) is { } vote)
                        {
                            votes[config.Name] = vote;
                        }
                    }
                }
            }

            var current = _health.Votes;
            if (current.Count == votes.Count && votes.All(v => current.TryGetValue(v.Key, out var c) && c == v.Value))
            {
                return;
            }

            _health.SetVotes(votes.ToFrozenDictionary(StringComparer.Ordinal));
        }
    }

    /// <summary>
    /// Whether this node probes <paramref name="config"/> now: always without shared probing or while etcd is
    /// unreachable (its own probes are then all it has); else when rendezvous hashing over the live nodes picks it.
    /// </summary>
    private bool IsProber(HealthCheckConfig config)
    {
        if (config.Probers <= 0 || !View.Connected)
        {
            return true;
        }

        lock (_gate)
        {
            return Rendezvous.Choose(config.Name, LiveNodesLocked(), config.Probers).Contains(Node);
        }
    }

    /// <summary>The live nodes' names, this node's included (under <see cref="_gate"/>).</summary>
    private List<string> LiveNodesLocked()
    {
        var nodes = new List<string>(_members.Count + 1);
        nodes.AddRange(_members.Keys);
        if (!_members.ContainsKey(Node))
        {
            nodes.Add(Node);
        }

        return nodes;
    }

    private void Connected()
    {
        ClusterView view;
        bool wasDown;
        lock (_gate)
        {
            wasDown = _unreachableSaid;
            _unreachableSaid = false;
            view = _view with { Connected = true, Since = DateTimeOffset.UtcNow, Error = null };
            Volatile.Write(ref _view, view);
        }

        PublishView();
        RecomputeVotes();
        Wake();
        _firstSession.TrySetResult();
        if (wasDown)
        {
            LogReconnected(Node, string.Join(", ", _config.Etcd), View.Members.Count);
        }
        else
        {
            LogJoined(Node, Prefix, string.Join(", ", _config.Etcd), View.Members.Count);
        }
    }

    private void Disconnected(string reason)
    {
        bool say;
        lock (_gate)
        {
            say = !_unreachableSaid;
            _unreachableSaid = true;
            var previous = _view;
            Volatile.Write(ref _view, previous with
            {
                Connected = false,
                Since = previous.Connected || previous.Disconnects == 0 ? DateTimeOffset.UtcNow : previous.Since,
                Error = reason,
                Disconnects = previous.Disconnects + (previous.Connected || previous.Disconnects == 0 ? 1 : 0),
            });
        }

        // Back to this node's own probes; the overrides and members known stay.
        RecomputeVotes();
        if (say)
        {
            LogUnreachable(string.Join(", ", _config.Etcd), reason);
        }
    }

    /// <summary>Publishes the members known now and warns once about each node serving another policies folder.</summary>
    private void PublishView()
    {
        var own = _self().PoliciesHash;
        var drifted = new List<ClusterMember>();
        lock (_gate)
        {
            var members = _members.Values.OrderBy(m => m.Node, StringComparer.Ordinal).ToList();
            Volatile.Write(ref _view, _view with { Members = members });
            foreach (var member in members)
            {
                if (member.Node != Node && member.PoliciesHash != own && (!_driftWarned.TryGetValue(member.Node, out var warned) || warned != member.PoliciesHash + own))
                {
                    _driftWarned[member.Node] = member.PoliciesHash + own;
                    drifted.Add(member);
                }
            }
        }

        foreach (var member in drifted)
        {
            LogDrift(member.Node, member.PoliciesHash, Node, own);
        }
    }

    /// <summary>Nodes serving a policies folder whose hash differs from this node's.</summary>
    public int Drift
    {
        get
        {
            var own = _self().PoliciesHash;
            var count = 0;
            foreach (var member in View.Members)
            {
                count += member.Node != Node && member.PoliciesHash != own ? 1 : 0;
            }

            return count;
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        _ => ex.Message,
    };

    /// <summary>Stops the sessions and revokes this node's lease, so that it leaves the cluster at once.</summary>
    public async ValueTask DisposeAsync()
    {
        _health.Observed = null;
        _health.ShouldProbe = null;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            try
            {
                await _run.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (View.Connected && Volatile.Read(ref _lease) is var lease and not 0)
        {
            await _etcd.RevokeAsync(lease).ConfigureAwait(false);
        }

        _etcd.Dispose();
        _stop.Dispose();
        _wake.Dispose();
    }
}
