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
        "GET /ui: the status page (HTML; browsers asking for / are sent there)",
        "GET /status: zones and their load errors, policies, geo databases, health summary",
        "GET /stats: responses by rcode and the duration histogram since start (the status page's rates)",
        "GET /policies: every policy file, its version, counters and last errors",
        "GET /zones: each zone's serial, journal, transfer access, NOTIFY targets and last transfer out",
        "GET /health: every health check and group, its state and why",
        "PUT /health/{name}/override {\"state\": \"down|up|drain\", \"expires\": \"10m\", \"reason\": \"...\"}",
        "DELETE /health/{name}/override",
        "GET /cluster: cluster mode: etcd reachable or not, the live nodes, when each was last heard, the policies hash each serves",
        "GET /metrics: Prometheus text format",
        "GET /quarantine: policy versions quarantined after the process died in them, and what serves instead",
        "DELETE /quarantine/{hash}: release a quarantined version (it loads again)",
    ];

    /// <summary>Adds the routes.</summary>
    public static void Map(WebApplication app, ScriptableServer server)
    {
        app.MapGet("/", (HttpRequest request) => StatusPage.WantsHtml(request)
            ? Results.Redirect(StatusPage.Path)
            : Results.Json(new
            {
                service = "scriptable",
                endpoints = Endpoints,
            }));
        app.MapGet("/status", (HttpContext context) => Results.Json(Status(server, context.AdminAccess())));
        app.MapGet("/policies", (HttpContext context) => Results.Json(server.Policies.Files.Select(f => Describe(f, context.AdminAccess()))));
        StatusPage.Map(app);
        StatsRoutes.Map(app, server);
        ZonesRoutes.Map(app, server);
        HealthRoutes.Map(app, server);
        QuarantineRoutes.Map(app, server);
        ClusterRoutes.Map(app, server);
    }

    private static object Status(ScriptableServer server, AdminAccess access)
    {
        var snapshot = server.Pipeline.Snapshot;
        var zoneLoad = server.ZoneResult;
        return new
        {
            version = Version,
            node = Environment.MachineName,
            startedAt = server.StartedAt,
            uptimeSeconds = Math.Round((DateTimeOffset.UtcNow - server.StartedAt).TotalSeconds),
            listen = server.UdpEndPoints.Select(e => e.ToString()),
            zones = snapshot.Zones.Zones.Select(z => new { origin = z.Origin.ToString(), serial = z.Serial, records = z.RecordCount, file = z.Source }),
            failedZones = zoneLoad.Failed,
            zoneErrors = zoneLoad.Errors.Select(e => Show(e, access)),
            zoneWarnings = zoneLoad.Warnings.Select(w => Show(w, access)),
            policies = new
            {
                names = snapshot.Policies.Bindings.Count,
                files = server.Policies.Files.Count,
                failing = server.Policies.Files.Count(f => f.Diagnostics.Any(d => d.IsError)),
            },
            geo = snapshot.Geo.Databases.OfType<Engine.Geo.GeoDatabase>().Select(d => new { file = d.Path, type = d.DatabaseType, built = d.BuildTime, nodes = d.NodeCount, cachedRecords = d.CachedRecords }),
            health = HealthRoutes.Summary(server),
            containment = QuarantineRoutes.Summary(server),
        };
    }

    /// <summary>A diagnostic as shown: in full, or (to requests that may not see messages) where it is and its id.</summary>
    private static string Show(PolicyDiagnostic diagnostic, AdminAccess access) => access.SeesDiagnostics()
        ? diagnostic.ToString()
        : (diagnostic with { Message = "(the message needs the admin token)" }).ToString();

    /// <summary>A zone diagnostic as shown: in full, or (to requests that may not see messages) where it is.</summary>
    private static string Show(Engine.Zones.ZoneDiagnostic diagnostic, AdminAccess access) => access.SeesDiagnostics()
        ? diagnostic.ToString()
        : (diagnostic with { Message = "(the message needs the admin token)" }).ToString();

    private static object Describe(PolicyFileStatus file, AdminAccess access) => new
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
        errors = file.Diagnostics.Where(d => d.IsError).Select(d => Show(d, access)),
        warnings = file.Diagnostics.Where(d => !d.IsError).Select(d => Show(d, access)),
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
