using Microsoft.AspNetCore.Builder;
using Scriptable.Server.Hosting;

namespace Scriptable.Server.Admin;

/// <summary>The health routes of the admin endpoint (filled in with the health checker).</summary>
internal static class HealthRoutes
{
    /// <summary>Adds the routes.</summary>
    public static void Map(WebApplication app, ScriptableServer server)
    {
        _ = app;
        _ = server;
    }

    /// <summary>Counts for /status.</summary>
    public static object Summary(ScriptableServer server) => new { checks = server.Pipeline.Snapshot.Health.Checks.Count };
}
