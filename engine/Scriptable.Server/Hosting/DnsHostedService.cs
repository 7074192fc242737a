using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;
using Scriptable.Server.Configuration;

namespace Scriptable.Server.Hosting;

/// <summary>
/// Runs a <see cref="ScriptableServer"/> under the generic host: started with the host, stopped on Ctrl-C or
/// SIGTERM, zones reloaded on SIGHUP.
/// </summary>
internal sealed partial class DnsHostedService : IHostedService, IAsyncDisposable
{
    private readonly ScriptableServer _server;
    private readonly ILogger _logger;
    private readonly Lock _startGate = new();
    private PosixSignalRegistration? _hangup;
    private bool _started;
    private bool _reloadWhenStarted;

    /// <summary>Creates the service.</summary>
    public DnsHostedService(ServerOptions options, IReadOnlyList<IPEndPoint> listen, ILoggerFactory loggerFactory)
    {
        _server = new ScriptableServer(options, listen, loggerFactory);
        _logger = loggerFactory.CreateLogger("Scriptable.Server");
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Registered before the server starts: SIGHUP's default action ends the process, and `systemctl reload`
        // (or a script) may send it as soon as the server says it listens. One that comes while starting is
        // carried out once the start is done.
        if (!OperatingSystem.IsWindows())
        {
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                LogReloadRequested();
                lock (_startGate)
                {
                    if (!_started)
                    {
                        _reloadWhenStarted = true;
                        return;
                    }
                }

                _ = _server.RequestReloadAsync();
            });
        }

        await _server.StartAsync(cancellationToken).ConfigureAwait(false);
        bool reload;
        lock (_startGate)
        {
            _started = true;
            reload = _reloadWhenStarted;
        }

        if (reload)
        {
            _ = _server.RequestReloadAsync();
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        LogStopping();
        _hangup?.Dispose();
        await _server.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _hangup?.Dispose();
        await _server.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(EventId = EventIds.Stopping, EventName = nameof(EventIds.Stopping), Level = LogLevel.Information, Message = "Stopping: closing every listener.")]
    private partial void LogStopping();

    [LoggerMessage(EventId = EventIds.ReloadRequested, EventName = nameof(EventIds.ReloadRequested), Level = LogLevel.Information, Message = "SIGHUP: reloading zones and policies.")]
    private partial void LogReloadRequested();
}
