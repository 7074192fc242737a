using Microsoft.Extensions.Hosting;

namespace Scriptable.Server.Admin;

/// <summary>
/// The admin web application's lifetime: none of its own. The server's host already handles Ctrl-C, SIGTERM and
/// systemd, and stops the endpoint with everything else; a second console lifetime would log every start and
/// stop line twice and race the first for the signals.
/// </summary>
internal sealed class OwnedLifetime : IHostLifetime
{
    /// <inheritdoc />
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
