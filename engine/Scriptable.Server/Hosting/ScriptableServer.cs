using System.Net;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Containment;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Model;
using Scriptable.Engine.Health;
using Scriptable.Engine.Policies;
using Scriptable.Policies;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Trial;
using Scriptable.Engine.Zones;
using Scriptable.Server.Cluster;
using Scriptable.Server.Configuration;
using Scriptable.Server.Transport;

namespace Scriptable.Server.Hosting;

/// <summary>
/// One running server: loads the zones of a policies folder, publishes them as a snapshot, and serves them
/// on UDP and TCP at every listen address. Hosted by <see cref="DnsHostedService"/> in the CLI and started
/// directly by integration tests.
/// </summary>
internal sealed partial class ScriptableServer : IAsyncDisposable
{
    private readonly ServerOptions _options;
    private readonly IReadOnlyList<IPEndPoint> _listen;
    private readonly ILogger _logger;
    private readonly List<UdpListener> _udp = [];
    private readonly List<TcpListener> _tcp = [];
    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private volatile bool _stopping;
    private readonly DnsMetrics _metrics;
    private readonly TcpMetrics _tcpMetrics;
    private readonly ServerMetrics _serverMetrics;
    private readonly Engine.Dnssec.DnssecMetrics _dnssecMetrics;
    private long _zoneLoadFailures;
    private ZoneLoadResult _zoneResult = new([], [], [], []);
    private readonly FolderLoader _loader;
    private readonly ProcessTrial? _trial;
    private readonly Engine.Isolation.PolicyWorkers _workers;
    private FolderWatcher? _watcher;
    private Admin.AdminEndpoint? _admin;
    private readonly HealthMonitor _health;
    private readonly Lock _publishGate = new();
    private string _overridesStamp = "";
    private bool _formerOverridesChecked;
    private readonly Lock _overridesGate = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly PolicyContainment _containment;
    private readonly PolicyWatchdog _watchdog;
    private readonly ContainmentMetrics _containmentMetrics;
    private readonly Observability.Dnstap.DnstapWriter? _dnstap;
    private readonly Observability.QueryLog.QueryLogWriter? _queryLog;
    private readonly Observability.ObservabilityMetrics _observabilityMetrics;
    private readonly ClusterNode? _cluster;
    private readonly ClusterMetrics? _clusterMetrics;
    private string _policiesHash = "";
    private int _forceNext;
    private bool _closed;
    private readonly Engine.Transfers.ZoneVersions _versions;
    private readonly Engine.Transfers.NotifySender _notify;
    private readonly Engine.Transfers.TransferMetrics _transferMetrics;

    /// <summary>The exit code when the server exits on purpose (too many threads stuck in policy code).</summary>
    public const int ExitCodeStuck = 70;

    /// <summary>Creates a server; nothing is bound until <see cref="StartAsync"/>.</summary>
    public ScriptableServer(ServerOptions options, IReadOnlyList<IPEndPoint> listen, ILoggerFactory loggerFactory)
    {
        _options = options;
        _listen = listen;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Scriptable.Server");
        Config = new DnsConfig
        {
            EdnsBufferSize = options.EdnsBufferSize,
            Nsid = options.Nsid,
            EcsTrusted = [.. options.Geo.EcsTrusted.Select(n => System.Net.IPNetwork.Parse(n))],
            Transfers = options.ToTransferSettings(),
        };
        // Containment first: it reads what a crashed predecessor left before anything loads (Containment/README.md).
        var threads = options.UdpThreads > 0 ? options.UdpThreads : ServerOptions.DefaultUdpThreads;
        var slots = 16 + (listen.Count * (threads + options.Policy.MaxStuckThreads + 2 + Math.Max(0, options.TcpMaxConnections)));
        var containmentLogger = loggerFactory.CreateLogger("Scriptable.Containment");
        _containment = PolicyContainment.Open(options.ResolveStateDirectory(), options.Policies, slots, containmentLogger, tried: options.Policy.Trial.Enabled);
        _versions = new Engine.Transfers.ZoneVersions(_containment.StateDirectory is { } state ? Engine.Transfers.SerialStore.Load(state) : null);
        Pipeline = new QueryPipeline(ServerSnapshot.Empty, loggerFactory.CreateLogger("Scriptable.Query"), journal: _containment.Journal);
        var policyOptions = options.Policy.ToOptions();
        if (options.Policy.Trial.Enabled)
        {
            // New versions are compiled and tried in a child process of this program before they serve.
            _trial = new ProcessTrial(WorkerCommand.ForProgram(typeof(ScriptableServer).Assembly), options.Geo.Databases,
                policyOptions.TrialSettings, loggerFactory.CreateLogger("Scriptable.Trial"), folder: options.ToFolderOptions());
            policyOptions = policyOptions with { Trial = _trial };
        }

        // Policies that run out of process (Policy:Isolation, or their own isolation=process) run in these; none starts until one does.
        var loops = listen.Count * (options.UdpThreads > 0 ? options.UdpThreads : ServerOptions.DefaultUdpThreads);
        _workers = new Engine.Isolation.PolicyWorkers(WorkerCommand.ForProgram(typeof(ScriptableServer).Assembly),
            options.Policy.Workers.ToSettings(loops), loggerFactory.CreateLogger("Scriptable.Workers"));
        policyOptions = policyOptions with { Workers = _workers };
        _loader = new FolderLoader(options.Policies, policyOptions, options.Geo.Databases, options.ToFolderOptions());
        _loader.Policies.Containment = _containment;
        _watchdog = new PolicyWatchdog(_containment.Journal, new WatchdogOptions
        {
            Loops = threads,
            StuckAfterBudgets = options.Policy.StuckAfterBudgets,
            MaxStuckThreads = options.Policy.MaxStuckThreads,
        }, containmentLogger, ExitOnPurpose);
        _health = new HealthMonitor(loggerFactory.CreateLogger("Scriptable.Health"), TimeProvider.System, PublishHealth,
            new HealthMonitorOptions { MeterFactory = MeterFactory, MaxConcurrentProbes = Math.Max(1, options.Health.MaxConcurrentProbes), CommandChecks = _loader.Options.CommandChecks,
                ProbeAgent = options.Cluster.Enabled ? $"scriptable-health (node {options.Cluster.NodeName})" : "scriptable-health" });
        _metrics = new DnsMetrics(Pipeline, () => _loader.Policies.Stats, MeterFactory);
        _tcpMetrics = new TcpMetrics(TcpCounters, () => OpenTcpConnections, MeterFactory);
        _serverMetrics = new ServerMetrics(() => Interlocked.Read(ref _zoneLoadFailures), () => ZoneResult.Failed.Count, MeterFactory);
        _dnssecMetrics = new Engine.Dnssec.DnssecMetrics(Pipeline, MeterFactory);
        _containmentMetrics = new ContainmentMetrics(() => _loader.Policies.Stats, _watchdog, _containment.Quarantine, MeterFactory);

        // dnstap and the query log see every answered query; off (no tap: one test per query) unless configured.
        var taps = new List<QueryTap>();
        if (options.Dnstap.Enabled && Observability.Dnstap.DnstapDestination.TryParse(options.Dnstap.Socket, out var destination, out _))
        {
            _dnstap = new Observability.Dnstap.DnstapWriter(options.Dnstap, destination, loggerFactory.CreateLogger("Scriptable.Dnstap"), TimeProvider.System);
            taps.Add(_dnstap);
        }

        if (options.QueryLog.Enabled)
        {
            _queryLog = new Observability.QueryLog.QueryLogWriter(options.QueryLog, loggerFactory.CreateLogger("Scriptable.QueryLog"), TimeProvider.System);
            taps.Add(_queryLog);
        }

        Pipeline.Taps = taps;
        _notify = new Engine.Transfers.NotifySender(loggerFactory.CreateLogger("Scriptable.Transfers"), TimeProvider.System);
        _transferMetrics = new Engine.Transfers.TransferMetrics(Pipeline.Transfers, _notify, () => Pipeline.Snapshot, MeterFactory);
        _observabilityMetrics = new Observability.ObservabilityMetrics(_dnstap, _queryLog, MeterFactory);

        // Cluster mode: overrides, membership and observations through etcd (Cluster/README.md); off without Cluster:Etcd.
        if (options.Cluster.Enabled)
        {
            _cluster = new ClusterNode(options.Cluster, _health, Registration, SaveClusterOverrides, loggerFactory.CreateLogger("Scriptable.Cluster"));
            _clusterMetrics = new ClusterMetrics(_cluster, MeterFactory);
        }
    }

    /// <summary>The dnstap writer, or null when dnstap is off.</summary>
    internal Observability.Dnstap.DnstapWriter? Dnstap => _dnstap;

    /// <summary>The query log writer, or null when the query log is off.</summary>
    internal Observability.QueryLog.QueryLogWriter? QueryLog => _queryLog;

    /// <summary>The state directory, journal, quarantine and last-good store.</summary>
    public PolicyContainment Containment => _containment;

    /// <summary>The watchdog over the receive loops.</summary>
    public PolicyWatchdog Watchdog => _watchdog;

    /// <summary>UDP receive loops replaced because they were stuck in a policy.</summary>
    public int LoopsReplaced => _udp.Sum(u => u.Replacements);

    /// <summary>
    /// What exiting on purpose does (tests replace it); by default the process exits with <see cref="ExitCodeStuck"/>
    /// so the service manager restarts it, and the restart quarantines what the journal names.
    /// </summary>
    internal Action<string>? ExitHandler { get; set; }

    /// <summary>
    /// Releases the quarantined versions whose content hash starts with <paramref name="hashPrefix"/>, then reloads
    /// so that they load again. Returns what was released.
    /// </summary>
    public async Task<IReadOnlyList<QuarantineEntry>> ReleaseQuarantineAsync(string hashPrefix, CancellationToken cancellationToken)
    {
        var released = _containment.Release(hashPrefix);
        if (released.Count > 0)
        {
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
        }

        return released;
    }

    private void ExitOnPurpose(string why)
    {
        if (ExitHandler is { } handler)
        {
            handler(why);
            return;
        }

        // A clean stop cannot be counted on with threads stuck in policy code: if it takes too long, abort.
        var backstop = new Thread(() =>
        {
            Thread.Sleep(TimeSpan.FromSeconds(15));
            Environment.FailFast("scriptable: exiting on purpose took too long: " + why);
        })
        { IsBackground = true, Name = "exit-backstop" };
        backstop.Start();
        Environment.Exit(ExitCodeStuck);
    }

    /// <summary>The query pipeline (tests read its snapshot and counters).</summary>
    public QueryPipeline Pipeline { get; }

    /// <summary>Protocol settings.</summary>
    public DnsConfig Config { get; }

    /// <summary>Bound UDP addresses, in listen order.</summary>
    public IReadOnlyList<IPEndPoint> UdpEndPoints => _udp.ConvertAll(u => u.LocalEndPoint);

    /// <summary>Bound TCP addresses, in listen order.</summary>
    public IReadOnlyList<IPEndPoint> TcpEndPoints => _tcp.ConvertAll(t => t.LocalEndPoint);

    /// <summary>Open TCP connections over all addresses.</summary>
    public int OpenTcpConnections => _tcp.Sum(t => t.OpenConnections);

    /// <summary>What the TCP listeners did with connections (accepted, refused, closed and why).</summary>
    public TcpCounters TcpCounters { get; } = new();

    /// <summary>The policy files and their versions (tests read it).</summary>
    public PolicyCatalog Policies => _loader.Policies;

    /// <summary>The policy worker processes (tests read their process ids).</summary>
    public Engine.Isolation.PolicyWorkers Workers => _workers;

    /// <summary>This node's membership of a cluster, or null on a single node (no <c>Cluster:Etcd</c>).</summary>
    public ClusterNode? Cluster => _cluster;

    /// <summary>The health checker: states, overrides.</summary>
    public HealthMonitor Health => _health;

    /// <summary>Where overrides are kept across restarts.</summary>
    public string OverridesFile => _options.Health.OverridesPath(_options.ResolveStateDirectory());

    /// <summary>The last zone load: the zones loaded, the ones that failed, and every error and warning (<c>file:line: message</c>).</summary>
    public ZoneLoadResult ZoneResult => Volatile.Read(ref _zoneResult);

    /// <summary>The meters of this server (the admin endpoint exports theirs only).</summary>
    public ServerMeterFactory MeterFactory { get; } = new();

    /// <summary>The DNS metrics (the admin endpoint exports their histograms).</summary>
    public DnsMetrics Metrics => _metrics;

    /// <summary>When the server started.</summary>
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The admin endpoint's address, or null when it is off.</summary>
    public IPEndPoint? AdminEndPoint => _admin?.LocalEndPoint;

    /// <summary>Loads the zones and policies and starts serving. Throws if an address cannot be bound.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Health.Commands.Enabled && Environment.IsPrivilegedProcess && string.IsNullOrWhiteSpace(_options.Health.Commands.User))
        {
            LogCommandsAsRoot();
        }


        // Watching before the first load: a load stuck in a policy's static fields is seen too.
        _watchdog.Start();
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
        if (_cluster is not null)
        {
            // Before the first answer: the cluster's overrides (etcd's, or the copy kept from the last session) apply.
            await _cluster.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        _trial?.Serving();
        if (_options.Watch)
        {
            _watcher = new FolderWatcher(_options.Policies, ReloadAsync, TimeSpan.FromMilliseconds(_options.DebounceMilliseconds),
                TimeSpan.FromSeconds(Math.Max(0.1, _options.RescanSeconds)), _logger, () => _options.Geo.Databases, _loader.Boundary);
            _watcher.Start();
        }

        _dnstap?.Start();
        _queryLog?.Start();
        var threads = _options.UdpThreads > 0 ? _options.UdpThreads : ServerOptions.DefaultUdpThreads;
        try
        {
            foreach (var endPoint in _listen)
            {
                UdpListener udp;
                TcpListener tcp;
                try
                {
                    (udp, tcp) = Bind(endPoint, threads);
                }
                catch (System.Net.Sockets.SocketException ex)
                {
                    throw new ListenFailedException(endPoint, ex);
                }

                _udp.Add(udp);
                _tcp.Add(tcp);
                udp.Start();
                tcp.Start();
                LogListening(ListenAddress.Format(udp.LocalEndPoint), udp.SocketCount, udp.ThreadCount);
            }

            await StartAdminAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts the admin endpoint. If its address is taken (another server on this host), DNS is served all
    /// the same and the error says so: answering queries matters more than the admin page.
    /// </summary>
    private async Task StartAdminAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(_options.Admin.Listen) || _options.Admin.Listen == "off" || !ListenAddress.TryParse(_options.Admin.Listen, out var address, out _))
        {
            return;
        }

        var admin = new Admin.AdminEndpoint(_options.Admin, address, this, _loggerFactory);
        try
        {
            await admin.StartAsync(cancellationToken).ConfigureAwait(false);
            _admin = admin;
        }
        catch (IOException ex)
        {
            await admin.DisposeAsync().ConfigureAwait(false);
            LogAdminFailed(_options.Admin.Listen, ex.Message);
        }
    }

    /// <summary>
    /// Binds UDP, then TCP on the same port. With port 0 the system picks a port free for UDP, which TCP may
    /// still have in use (a client connection's local port): then both are released and another is tried.
    /// </summary>
    private (UdpListener Udp, TcpListener Tcp) Bind(IPEndPoint endPoint, int threads)
    {
        for (var attempt = 1; ; attempt++)
        {
            var udp = new UdpListener(endPoint, threads, Config.EdnsBufferSize, Pipeline, _logger);
            try
            {
                var tcp = new TcpListener(udp.LocalEndPoint, Pipeline, TcpSettings.From(_options, _listen.Count), TcpCounters, _logger);
                return (udp, tcp);
            }
            catch (System.Net.Sockets.SocketException ex) when (endPoint.Port == 0 && attempt < 20 && ex.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
            {
                udp.Dispose();
            }
            catch
            {
                udp.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Reads the policies folder again and publishes the result. A zone or policy that now fails keeps
    /// serving its previous version; removed ones stop being served. Replaced policy versions are unloaded
    /// once the new snapshot is published (queries in flight finish on the version they started with).
    /// </summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_stopping)
            {
                // A save or a SIGHUP while stopping: the health monitor is gone, nothing is published any more.
                return;
            }

            var reload = _loader.Reload(force: Interlocked.Exchange(ref _forceNext, 0) == 1);
            Interlocked.Add(ref _zoneLoadFailures, reload.ZoneResult.Failed.Count);
            Volatile.Write(ref _zoneResult, reload.ZoneResult);
            LogZones(reload);
            LogPolicies(reload.Policies);
            LogGeo(reload.Geo);
            LogHealthConfig(reload.HealthResult);
            _health.Apply(reload.Health);
            if (_cluster is null || !_formerOverridesChecked)
            {
                // In cluster mode the file is etcd's copy, read once at start for when etcd is away.
                LoadOverrides();
            }

            if (_cluster is not null)
            {
                Volatile.Write(ref _policiesHash, PoliciesHash.Compute(_options.Policies));
                _cluster.ConfigurationApplied();
            }

            _workers.Prepare(reload.Geo.Databases);

            // Serials by each zone's policy, and the journal IXFR answers from (Transfers/README.md).
            var versions = _versions.Apply(reload.Zones.Zones, Config.Transfers, TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());
            foreach (var warning in versions.Warnings)
            {
                LogSerialNotIncreased(warning);
            }

            var served = new ZoneSet(versions.Served);
            var keys = LoadKeys(served);
            lock (_publishGate)
            {
                // Under the gate, with the monitor's latest map: a health change and a reload cannot undo each other.
                Pipeline.Publish(new ServerSnapshot(served, Config, reload.Policies.Policies, _health.Current, reload.Geo.Databases, keys, versions.Journals));
            }

            if (versions.Changed.Count > 0 && _containment.StateDirectory is { } stateDirectory)
            {
                // Serial policies go on above these after a restart.
                Engine.Transfers.SerialStore.Save(stateDirectory, versions.Served);
            }

            foreach (var changed in versions.Changed)
            {
                if (Config.Transfers.For(changed.Origin).Notify is { Count: > 0 } targets)
                {
                    _notify.Notify(changed, targets);
                }
            }

            foreach (var retired in reload.Policies.Retired)
            {
                retired.Unload();
                _containment.Retire(retired);
            }

            RetireLater(reload.Geo.Retired);

            LogZonesPublished(reload.Zones.Zones.Count, reload.ZoneResult.Failed.Count, reload.Policies.Policies.Bindings.Count);
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    /// <summary>
    /// Asks for a full reload (SIGHUP: every zone parsed again, even unchanged ones), through the watcher, or
    /// at once when not watching.
    /// </summary>
    public Task RequestReloadAsync()
    {
        Volatile.Write(ref _forceNext, 1);
        if (_watcher is null)
        {
            return ReloadAsync(CancellationToken.None);
        }

        _watcher.Trigger();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Reads the key folder for the zones served: a zone with keys is signed; one whose keys fail keeps the keys it
    /// had, or at startup is answered SERVFAIL (never unsigned), with every problem logged.
    /// </summary>
    private Engine.Dnssec.SigningSet LoadKeys(Engine.Zones.ZoneSet zones)
    {
        var folder = _options.Dnssec.ResolveKeys(_options.Policies);
        var errors = new List<string>();
        var previous = Pipeline.Snapshot.Dnssec;
        var set = Engine.Dnssec.SigningSet.Load(folder, zones.Zones.Select(z => z.Origin), previous, errors);
        foreach (var error in errors)
        {
            LogKeyError(error);
        }

        foreach (var keys in set.Zones)
        {
            if (keys.Broken)
            {
                LogZoneUnsignable(keys.Origin.ToString());
            }
            else if (previous.Find(keys.Origin) != keys)
            {
                LogZoneSigned(keys.Origin.ToString(), string.Join(", ", keys.Keys.Select(k => $"{(k.IsKsk ? "KSK" : "ZSK")} {k.Tag}")), folder);
                if (Config.Transfers.For(keys.Origin) is { } transfer && (transfer.Allow.Count > 0 || transfer.Notify.Count > 0))
                {
                    LogZoneTransferredUnsigned(keys.Origin.ToString());
                }
            }
        }

        return set;
    }

    [LoggerMessage(EventId = EventIds.DnssecKeyError, EventName = nameof(EventIds.DnssecKeyError), Level = LogLevel.Error, Message = "{Error}")]
    private partial void LogKeyError(string error);

    [LoggerMessage(EventId = EventIds.DnssecZoneUnsignable, EventName = nameof(EventIds.DnssecZoneUnsignable), Level = LogLevel.Error,
        Message = "Zone '{Zone}' is signed but none of its keys could be read: its queries are answered SERVFAIL until they can (it is never served unsigned).")]
    private partial void LogZoneUnsignable(string zone);

    [LoggerMessage(EventId = EventIds.DnssecZoneSigned, EventName = nameof(EventIds.DnssecZoneSigned), Level = LogLevel.Information,
        Message = "Zone '{Zone}' is signed with {Keys} from '{Folder}'.")]
    private partial void LogZoneSigned(string zone, string keys, string folder);

    [LoggerMessage(EventId = EventIds.DnssecZoneTransferredUnsigned, EventName = nameof(EventIds.DnssecZoneTransferredUnsigned), Level = LogLevel.Warning,
        Message = "Zone '{Zone}' is signed online but has secondaries (its Transfer settings): they get it unsigned by AXFR/IXFR, and validating resolvers reject what they would serve. Let only Scriptable nodes (with a copy of the key folder) serve a signed zone.")]
    private partial void LogZoneTransferredUnsigned(string zone);

    /// <summary>Publishes a new health map into the snapshot queries read (called by the monitor).</summary>
    private void PublishHealth(HealthMap map)
    {
        lock (_publishGate)
        {
            var current = Pipeline.Snapshot;
            Pipeline.Publish(new ServerSnapshot(current.Zones, current.Config, current.Policies, map, current.Geo, current.Dnssec, current.Journals));
        }
    }

    /// <summary>
    /// Reads the overrides file when it changed (an operator may edit it by hand; the admin endpoint writes
    /// it) and applies what differs from the monitor's overrides.
    /// </summary>
    private void LoadOverrides()
    {
        lock (_overridesGate)
        {
            LoadOverridesLocked();
        }
    }

    private void LoadOverridesLocked()
    {
        if (!_formerOverridesChecked)
        {
            _formerOverridesChecked = true;
            MoveFormerOverrides();
        }

        var file = new FileInfo(OverridesFile);
        var stamp = Stamp(file);
        if (stamp == _overridesStamp)
        {
            return;
        }

        _overridesStamp = stamp;
        var exists = file.Exists || file.LinkTarget is not null;
        var loaded = exists ? HealthOverrideStore.Load(OverridesFile, _loader.Boundary) : new HealthOverrideLoad(new Dictionary<string, HealthOverride>(), null);
        if (loaded.Error is not null)
        {
            LogOverridesUnreadable(loaded.Error);
            return;
        }

        var current = _health.Overrides;
        foreach (var (name, value) in loaded.Overrides)
        {
            if (!current.TryGetValue(name, out var existing) || existing != value)
            {
                _health.SetOverride(name, value);
            }
        }

        foreach (var name in current.Keys.Where(n => !loaded.Overrides.ContainsKey(n)).ToList())
        {
            _health.SetOverride(name, null);
        }
    }

    /// <summary>
    /// Sets or clears an override for the admin endpoint: in cluster mode through etcd, for every node (throws
    /// <see cref="ClusterUnavailableException"/> when etcd cannot take it: nothing changed), else in the
    /// overrides file (<see cref="SetOverride"/>).
    /// </summary>
    public Task SetOverrideAsync(string name, HealthOverride? value, CancellationToken cancellationToken)
    {
        if (_cluster is not null)
        {
            return _cluster.SetOverrideAsync(name, value, cancellationToken);
        }

        SetOverride(name, value);
        return Task.CompletedTask;
    }

    /// <summary>This node's registration in the cluster: its addresses, start, version and policies hash.</summary>
    private ClusterMember Registration() => new(
        _options.Cluster.NodeName,
        UdpEndPoints.Select(ListenAddress.Format).ToList(),
        AdminEndPoint is { } admin ? $"http://{ListenAddress.Format(admin)}/" : null,
        StartedAt,
        ServerMetrics.Version,
        Volatile.Read(ref _policiesHash));

    /// <summary>
    /// Cluster mode keeps a copy of the cluster's overrides in the overrides file, so that a node restarted while etcd
    /// is away still serves the drains it knew.
    /// </summary>
    private void SaveClusterOverrides()
    {
        lock (_overridesGate)
        {
            try
            {
                HealthOverrideStore.Save(OverridesFile, _health.Overrides);
                _overridesStamp = Stamp(new FileInfo(OverridesFile));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogOverridesUnreadable($"{OverridesFile}: the copy of the cluster's overrides could not be saved: {ex.Message}");
            }
        }
    }

    /// <summary>
    /// Sets or clears an override (the admin endpoint calls this): the overrides file is saved first, with the
    /// change, and only then the monitor changes, so a save that fails (an <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/>, thrown) changes nothing. One change at a time: the file always
    /// holds what the monitor holds.
    /// </summary>
    public void SetOverride(string name, HealthOverride? value)
    {
        lock (_overridesGate)
        {
            var next = new Dictionary<string, HealthOverride>(_health.Overrides, StringComparer.Ordinal);
            if (value is null)
            {
                next.Remove(name);
            }
            else
            {
                next[name] = value;
            }

            HealthOverrideStore.Save(OverridesFile, next);
            _overridesStamp = Stamp(new FileInfo(OverridesFile));
            _health.SetOverride(name, value);
        }
    }

    /// <summary>
    /// Earlier versions kept the overrides in the policies folder, where git saw them and a build embedded them: when
    /// that file is there and the state directory has none, its overrides move there (the old file is left for the
    /// operator to delete, and no longer read).
    /// </summary>
    private void MoveFormerOverrides()
    {
        if (_options.Health.FormerOverridesPath(_options.Policies) is not { } former || File.Exists(OverridesFile) || !File.Exists(former))
        {
            return;
        }

        var loaded = HealthOverrideStore.Load(former, _loader.Boundary);
        if (loaded.Error is not null)
        {
            LogOverridesUnreadable(loaded.Error);
            return;
        }

        try
        {
            HealthOverrideStore.Save(OverridesFile, loaded.Overrides);
            LogOverridesMoved(loaded.Overrides.Count, former, OverridesFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogOverridesUnreadable($"{former}: the overrides could not be moved to '{OverridesFile}': {ex.Message}");
        }
    }

    /// <summary>What tells a change of the overrides file: its size and time, or empty when it is absent.</summary>
    private static string Stamp(FileInfo file) => file.Exists ? $"{file.Length}:{file.LastWriteTimeUtc.Ticks}" : "";

    private void LogHealthConfig(HealthConfigResult? result)
    {
        if (result is null)
        {
            return;
        }

        foreach (var diagnostic in result.Diagnostics)
        {
            if (diagnostic.IsError)
            {
                LogPolicyDiagnostic(diagnostic.ToString());
            }
            else
            {
                LogPolicyWarning(diagnostic.ToString());
            }
        }

        if (result.HasErrors)
        {
            LogHealthKept(result.Diagnostics.Count(d => d.IsError));
        }
    }

    /// <summary>
    /// Closes replaced databases once no query can still be reading them: a query holds a snapshot for
    /// microseconds; ten seconds is a wide margin, and closing unmaps the database's memory.
    /// </summary>
    private static void RetireLater(IReadOnlyList<Engine.Geo.GeoDatabase> retired)
    {
        if (retired.Count == 0)
        {
            return;
        }

        _ = Task.Delay(TimeSpan.FromSeconds(10)).ContinueWith(_ =>
        {
            foreach (var database in retired)
            {
                database.Dispose();
            }
        }, TaskScheduler.Default);
    }

    private void LogGeo(Engine.Geo.GeoReload reload)
    {
        foreach (var change in reload.Changes)
        {
            switch (change.Kind)
            {
                case Engine.Geo.GeoChangeKind.Loaded:
                    LogGeoLoaded(change.Path, change.Database!.DatabaseType, change.Database.BuildTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), change.Database.NodeCount);
                    break;
                case Engine.Geo.GeoChangeKind.Kept:
                    LogGeoKept(change.Path, change.Error!);
                    break;
                case Engine.Geo.GeoChangeKind.Failed:
                    LogGeoFailed(change.Path, change.Error!);
                    break;
                case Engine.Geo.GeoChangeKind.Removed:
                    LogGeoRemoved(change.Path);
                    break;
            }
        }
    }

    private void LogZones(FolderReload reload)
    {
        var result = reload.ZoneResult;
        foreach (var warning in result.Warnings)
        {
            LogZoneWarning(warning.Format("warning"));
        }

        foreach (var error in result.Errors)
        {
            LogZoneError(error.Format("error"));
        }

        foreach (var zone in result.Zones)
        {
            if (result.Unchanged?.Contains(zone) != true)
            {
                LogZoneLoaded(zone.Origin.ToString(), zone.Serial, zone.RecordCount, zone.Source);
            }
        }

        foreach (var failed in result.Failed)
        {
            var kept = reload.KeptZones.FirstOrDefault(z => string.Equals(z.Origin.ToString().TrimEnd('.'), failed.TrimEnd('.'), StringComparison.OrdinalIgnoreCase));
            if (kept is not null)
            {
                LogZoneKept(kept.Origin.ToString(), kept.Serial);
            }
            else
            {
                LogZoneNotServed(failed);
            }
        }
    }

    private void LogPolicies(PolicyReload reload)
    {
        foreach (var warning in reload.Warnings)
        {
            LogPolicyWarning(warning.ToString());
        }

        foreach (var change in reload.Changes)
        {
            foreach (var diagnostic in change.Diagnostics)
            {
                if (diagnostic.IsError)
                {
                    LogPolicyDiagnostic(diagnostic.ToString());
                }
                else
                {
                    LogPolicyWarning(diagnostic.ToString());
                }
            }

            var names = string.Join(", ", change.Names);
            switch (change.Kind)
            {
                case PolicyChangeKind.Loaded:
                    LogPolicyLoaded(change.File, change.Version!.Revision, names, change.Version.CompileTime.TotalMilliseconds);
                    break;
                case PolicyChangeKind.Kept:
                    LogPolicyKept(change.File, change.Version!.Revision);
                    break;
                case PolicyChangeKind.Failed:
                    LogPolicyNotServed(change.File, names, change.Fallback);
                    break;
                case PolicyChangeKind.Removed:
                    LogPolicyRemoved(change.File);
                    break;
            }
        }
    }

    /// <summary>Stops every listener and the folder watcher.</summary>
    public async ValueTask DisposeAsync()
    {
        // Reloads first: no new one starts, and one in flight finishes before the health monitor it feeds goes.
        _stopping = true;
        if (_watcher is not null)
        {
            await _watcher.DisposeAsync().ConfigureAwait(false);
            _watcher = null;
        }

        await _reloadLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_cluster is not null)
            {
                // Leaves the cluster (its lease revoked: its registration and observations go at once).
                await _cluster.DisposeAsync().ConfigureAwait(false);
                _clusterMetrics?.Dispose();
            }

            await _health.DisposeAsync().ConfigureAwait(false);
            _notify.Dispose();
        }
        finally
        {
            _reloadLock.Release();
        }

        if (_admin is not null)
        {
            await _admin.DisposeAsync().ConfigureAwait(false);
            _admin = null;
        }

        foreach (var udp in _udp)
        {
            udp.Dispose();
        }

        foreach (var tcp in _tcp)
        {
            await tcp.DisposeAsync().ConfigureAwait(false);
        }

        _udp.Clear();
        _tcp.Clear();

        // No query is answered any more: what the writers hold is sent, then dnstap says STOP.
        if (_dnstap is not null)
        {
            await _dnstap.DisposeAsync().ConfigureAwait(false);
        }

        if (_queryLog is not null)
        {
            await _queryLog.DisposeAsync().ConfigureAwait(false);
        }

        _observabilityMetrics.Dispose();
        _metrics.Dispose();
        _tcpMetrics.Dispose();
        _serverMetrics.Dispose();
        _dnssecMetrics.Dispose();
        _transferMetrics.Dispose();
        MeterFactory.Dispose();
        _trial?.Dispose();
        if (!_closed)
        {
            // Every listener has stopped: nothing runs a policy any more, so the journal is emptied (a clean stop).
            _closed = true;
            _watchdog.Dispose();
            _containment.CloseClean();
            _containment.Dispose();
            _containmentMetrics.Dispose();
        }
        _workers.Dispose();
    }

    [LoggerMessage(EventId = EventIds.Listening, EventName = nameof(EventIds.Listening), Level = LogLevel.Information,
        Message = "Listening on {Address} (UDP: {Sockets} sockets, {Threads} receive loops; TCP).")]
    private partial void LogListening(string address, int sockets, int threads);

    [LoggerMessage(EventId = EventIds.ZoneLoaded, EventName = nameof(EventIds.ZoneLoaded), Level = LogLevel.Information,
        Message = "Zone '{Zone}' serial {Serial} loaded: {Records} records from '{File}'.")]
    private partial void LogZoneLoaded(string zone, uint serial, int records, string file);

    [LoggerMessage(EventId = EventIds.ZoneFailed, EventName = nameof(EventIds.ZoneFailed), Level = LogLevel.Error, Message = "{Diagnostic}")]
    private partial void LogZoneError(string diagnostic);

    [LoggerMessage(EventId = EventIds.ZoneWarning, EventName = nameof(EventIds.ZoneWarning), Level = LogLevel.Warning, Message = "{Diagnostic}")]
    private partial void LogZoneWarning(string diagnostic);

    [LoggerMessage(EventId = EventIds.ZoneKept, EventName = nameof(EventIds.ZoneKept), Level = LogLevel.Warning,
        Message = "Zone '{Zone}' failed to load; serial {Serial} loaded earlier keeps serving.")]
    private partial void LogZoneKept(string zone, uint serial);

    [LoggerMessage(EventId = EventIds.ZoneNotServed, EventName = nameof(EventIds.ZoneNotServed), Level = LogLevel.Error,
        Message = "Zone '{Zone}' failed to load and is not served (queries for it are refused).")]
    private partial void LogZoneNotServed(string zone);

    [LoggerMessage(EventId = EventIds.SerialNotIncreased, EventName = nameof(EventIds.SerialNotIncreased), Level = LogLevel.Warning, Message = "{Warning}")]
    private partial void LogSerialNotIncreased(string warning);

    [LoggerMessage(EventId = EventIds.ZonesPublished, EventName = nameof(EventIds.ZonesPublished), Level = LogLevel.Information,
        Message = "Serving {Count} zones ({Failed} failed to load) and {Policies} policy names.")]
    private partial void LogZonesPublished(int count, int failed, int policies);

    [LoggerMessage(EventId = EventIds.HealthConfigKept, EventName = nameof(EventIds.HealthConfigKept), Level = LogLevel.Error,
        Message = "health.yaml has {Errors} errors (above); the health checks already running keep running.")]
    private partial void LogHealthKept(int errors);

    [LoggerMessage(EventId = EventIds.HealthOverridesUnreadable, EventName = nameof(EventIds.HealthOverridesUnreadable), Level = LogLevel.Error, Message = "{Error}")]
    private partial void LogOverridesUnreadable(string error);

    [LoggerMessage(EventId = EventIds.HealthOverridesMoved, EventName = nameof(EventIds.HealthOverridesMoved), Level = LogLevel.Warning,
        Message = "{Count} health override(s) moved from '{Former}' (the policies folder) to '{File}' (the state directory); the old file is no longer read: delete it.")]
    private partial void LogOverridesMoved(int count, string former, string file);

    [LoggerMessage(EventId = EventIds.HealthCommandsAsRoot, EventName = nameof(EventIds.HealthCommandsAsRoot), Level = LogLevel.Warning,
        Message = "Command checks are on and the server runs as root: they run as root. Set Health:Commands:User (such as nobody) to run them as an unprivileged user.")]
    private partial void LogCommandsAsRoot();

    [LoggerMessage(EventId = EventIds.AdminFailed, EventName = nameof(EventIds.AdminFailed), Level = LogLevel.Error,
        Message = "The admin endpoint cannot listen on {Address} ({Reason}); DNS is served without it. Set Admin:Listen (or --admin) to another address, or 'off'.")]
    private partial void LogAdminFailed(string address, string reason);

    [LoggerMessage(EventId = EventIds.GeoLoaded, EventName = nameof(EventIds.GeoLoaded), Level = LogLevel.Information,
        Message = "Geo database '{File}' loaded: {Type}, built {Built}, {Nodes} nodes.")]
    private partial void LogGeoLoaded(string file, string type, string built, long nodes);

    [LoggerMessage(EventId = EventIds.GeoKept, EventName = nameof(EventIds.GeoKept), Level = LogLevel.Warning,
        Message = "Geo database '{File}' changed but cannot be used ({Reason}); the previous version keeps serving.")]
    private partial void LogGeoKept(string file, string reason);

    [LoggerMessage(EventId = EventIds.GeoFailed, EventName = nameof(EventIds.GeoFailed), Level = LogLevel.Error,
        Message = "Geo database '{File}' cannot be used ({Reason}); lookups go without it.")]
    private partial void LogGeoFailed(string file, string reason);

    [LoggerMessage(EventId = EventIds.GeoRemoved, EventName = nameof(EventIds.GeoRemoved), Level = LogLevel.Information,
        Message = "Geo database '{File}' is no longer used.")]
    private partial void LogGeoRemoved(string file);

    [LoggerMessage(EventId = EventIds.PolicyLoaded, EventName = nameof(EventIds.PolicyLoaded), Level = LogLevel.Information,
        Message = "Policy '{File}' revision {Revision} loaded, serving {Names} (compiled in {Milliseconds:F0} ms).")]
    private partial void LogPolicyLoaded(string file, int revision, string names, double milliseconds);

    [LoggerMessage(EventId = EventIds.PolicyCompileFailed, EventName = nameof(EventIds.PolicyCompileFailed), Level = LogLevel.Error, Message = "{Diagnostic}")]
    private partial void LogPolicyDiagnostic(string diagnostic);

    [LoggerMessage(EventId = EventIds.PolicyWarning, EventName = nameof(EventIds.PolicyWarning), Level = LogLevel.Warning, Message = "{Diagnostic}")]
    private partial void LogPolicyWarning(string diagnostic);

    [LoggerMessage(EventId = EventIds.PolicyKept, EventName = nameof(EventIds.PolicyKept), Level = LogLevel.Warning,
        Message = "Policy '{File}' failed to load; revision {Revision} keeps serving.")]
    private partial void LogPolicyKept(string file, int revision);

    [LoggerMessage(EventId = EventIds.PolicyNotServed, EventName = nameof(EventIds.PolicyNotServed), Level = LogLevel.Error,
        Message = "Policy '{File}' failed to load and no earlier revision exists: {Names} answer its fallback ({Fallback}) until it is fixed.")]
    private partial void LogPolicyNotServed(string file, string names, PolicyFallback fallback);

    [LoggerMessage(EventId = EventIds.PolicyRemoved, EventName = nameof(EventIds.PolicyRemoved), Level = LogLevel.Information,
        Message = "Policy '{File}' removed: its names are answered from the zone data.")]
    private partial void LogPolicyRemoved(string file);
}
