using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Scriptable.Engine.Policies;
using Scriptable.Server.Hosting;

namespace Scriptable.Server.Admin;

/// <summary>The admin endpoint's routes and the JSON they return (camelCase, System.Text.Json).</summary>
internal static class AdminRoutes
{
    private static readonly string Version = typeof(AdminRoutes).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private static readonly string[] Endpoints =
    [
        "GET /status: zones, policies, geo databases, health summary",
        "GET /policies: every policy file, its version, counters and last errors",
        "GET /health: every health check and group, its state and why",
        "PUT /health/{name}/override {\"state\": \"down|up|drain\", \"expires\": \"10m\", \"reason\": \"...\"}",
        "DELETE /health/{name}/override",
        "GET /metrics: Prometheus text format",
    ];

    /// <summary>Adds the routes.</summary>
    public static void Map(WebApplication app, ScriptableServer server)
    {
        app.MapGet("/", () => Results.Json(new
        {
            service = "scriptable",
            endpoints = Endpoints,
        }));
        app.MapGet("/status", () => Results.Json(Status(server)));
        app.MapGet("/policies", () => Results.Json(server.Policies.Files.Select(Describe)));
        HealthRoutes.Map(app, server);
    }

    private static object Status(ScriptableServer server)
    {
        var snapshot = server.Pipeline.Snapshot;
        return new
        {
            version = Version,
            startedAt = server.StartedAt,
            uptimeSeconds = Math.Round((DateTimeOffset.UtcNow - server.StartedAt).TotalSeconds),
            listen = server.UdpEndPoints.Select(e => e.ToString()),
            zones = snapshot.Zones.Zones.Select(z => new { origin = z.Origin.ToString(), serial = z.Serial, records = z.RecordCount, file = z.Source }),
            policies = new
            {
                names = snapshot.Policies.Bindings.Count,
                files = server.Policies.Files.Count,
                failing = server.Policies.Files.Count(f => f.Diagnostics.Any(d => d.IsError)),
            },
            geo = snapshot.Geo.Databases.OfType<Engine.Geo.GeoDatabase>().Select(d => new { file = d.Path, type = d.DatabaseType, built = d.BuildTime, nodes = d.NodeCount, cachedRecords = d.CachedRecords }),
            health = HealthRoutes.Summary(server),
        };
    }

    private static object Describe(PolicyFileStatus file) => new
    {
        file = file.File,
        names = file.Names,
        revision = file.Version?.Revision,
        loadedAt = file.Version?.LoadedAt,
        compileMilliseconds = file.Version is { } v ? Math.Round(v.CompileTime.TotalMilliseconds, 1) : (double?)null,
        contentHash = file.Version?.ContentHash,
        serving = file.Version is null ? "fallback" : "policy",
        fallback = file.Settings.Fallback.ToString(),
        budget = new
        {
            timeMilliseconds = file.Settings.TimeBudget.TotalMilliseconds,
            stackKilobytes = file.Settings.MaxStackKilobytes,
            memoryKilobytes = file.Settings.MaxAllocatedKilobytes,
        },
        errors = file.Diagnostics.Where(d => d.IsError).Select(d => d.ToString()),
        warnings = file.Diagnostics.Where(d => !d.IsError).Select(d => d.ToString()),
        counters = new
        {
            queries = file.Stats.Queries,
            exceptions = file.Stats.Exceptions,
            budgetStops = file.Stats.BudgetStops,
            fallbacks = file.Stats.Fallbacks,
            reloads = file.Stats.Reloads,
            compileFailures = file.Stats.CompileFailures,
        },
    };
}
