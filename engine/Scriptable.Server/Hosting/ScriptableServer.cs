using System.Net;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Model;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Zones;
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
    private readonly DnsMetrics _metrics;
    private Dictionary<string, Zone> _zonesByFolder = new(StringComparer.Ordinal);

    /// <summary>Creates a server; nothing is bound until <see cref="StartAsync"/>.</summary>
    public ScriptableServer(ServerOptions options, IReadOnlyList<IPEndPoint> listen, ILoggerFactory loggerFactory)
    {
        _options = options;
        _listen = listen;
        _logger = loggerFactory.CreateLogger("Scriptable.Server");
        Config = new DnsConfig { EdnsBufferSize = options.EdnsBufferSize, Nsid = options.Nsid };
        Pipeline = new QueryPipeline(ServerSnapshot.Empty, loggerFactory.CreateLogger("Scriptable.Query"));
        _metrics = new DnsMetrics(Pipeline);
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

    /// <summary>Loads the zones and starts serving. Throws if an address cannot be bound.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
        var threads = _options.UdpThreads > 0 ? _options.UdpThreads : Environment.ProcessorCount;
        try
        {
            foreach (var endPoint in _listen)
            {
                var (udp, tcp) = Bind(endPoint, threads);
                _udp.Add(udp);
                _tcp.Add(tcp);
                udp.Start();
                tcp.Start();
                LogListening(ListenAddress.Format(udp.LocalEndPoint), udp.SocketCount, udp.ThreadCount);
            }
        }
        catch (System.Net.Sockets.SocketException)
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
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
                var tcp = new TcpListener(udp.LocalEndPoint, Pipeline, TimeSpan.FromSeconds(_options.TcpIdleTimeoutSeconds), _options.TcpMaxConnections, _logger);
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
    /// Reads the policies folder again and publishes the result. A zone that now fails to load keeps serving
    /// its previous version; removed zones stop being served.
    /// </summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = ZoneLoader.LoadDirectory(_options.Policies);
            foreach (var warning in result.Warnings)
            {
                LogZoneWarning(warning.ToString());
            }

            foreach (var error in result.Errors)
            {
                LogZoneError(error.ToString());
            }

            var byFolder = new Dictionary<string, Zone>(StringComparer.Ordinal);
            foreach (var zone in result.Zones)
            {
                byFolder[FolderKey(zone.Origin.ToString())] = zone;
                LogZoneLoaded(zone.Origin.ToString(), zone.Serial, zone.RecordCount, zone.Source);
            }

            foreach (var failed in result.Failed)
            {
                if (_zonesByFolder.TryGetValue(FolderKey(failed), out var previous))
                {
                    byFolder[FolderKey(failed)] = previous;
                    LogZoneKept(previous.Origin.ToString(), previous.Serial);
                }
                else
                {
                    LogZoneNotServed(failed);
                }
            }

            _zonesByFolder = byFolder;
            var zones = new ZoneSet([.. byFolder.Values]);
            Pipeline.Publish(new ServerSnapshot(zones, Config));
            LogZonesPublished(zones.Zones.Count, result.Failed.Count);
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    private static string FolderKey(string name) => name.TrimEnd('.').ToLowerInvariant();

    /// <summary>Stops every listener.</summary>
    public async ValueTask DisposeAsync()
    {
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
        _metrics.Dispose();
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

    [LoggerMessage(EventId = EventIds.ZonesPublished, EventName = nameof(EventIds.ZonesPublished), Level = LogLevel.Information,
        Message = "Serving {Count} zones ({Failed} failed to load).")]
    private partial void LogZonesPublished(int count, int failed);
}
