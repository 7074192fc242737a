using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace Scriptable.Server.Hosting;

/// <summary>
/// Tells a service manager when the server is ready: under systemd (<c>Type=notify</c>, the unit of
/// <c>scripts/install/scriptable.service</c>), <c>READY=1</c> once every listener is bound and the folder is
/// loaded, <c>STOPPING=1</c> when it stops, and log lines in the journal's format with their levels.
/// </summary>
internal static class ServiceManager
{
    /// <summary>The variable a service manager sets to the datagram socket it reads notifications from.</summary>
    public const string NotifySocketVariable = "NOTIFY_SOCKET";

    /// <summary>Adds the systemd lifetime when the process runs as a systemd service, or is asked to notify.</summary>
    public static IServiceCollection AddServiceManager(this IServiceCollection services)
    {
        services.AddSystemd();
        if (!SystemdHelpers.IsSystemdService() && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(NotifySocketVariable)))
        {
            // AddSystemd (10.0) recognises systemd only as the direct parent, or PID 1 in a container; a manager that
            // starts the server through a wrapper (setpriv, a supervisor speaking sd_notify) still waits for READY=1.
            // Later .NET versions register the lifetime whenever NOTIFY_SOCKET is set, as here.
            services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
            services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }

        return services;
    }
}
