using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Scriptable.Engine.Containment;
using Scriptable.Server.Hosting;

namespace Scriptable.Server.Admin;

/// <summary>
/// The containment routes: the quarantined policy versions (what each was doing when the process died, what
/// serves instead), the state directory, threads stuck now; and releasing a version from quarantine.
/// </summary>
internal static class QuarantineRoutes
{
    /// <summary>Adds the routes.</summary>
    public static void Map(WebApplication app, ScriptableServer server)
    {
        app.MapGet("/quarantine", () => Results.Json(Describe(server)));
        app.MapDelete("/quarantine/{hash}", async (string hash, CancellationToken cancellationToken) =>
        {
            if (hash.Length < 8 || !hash.All(char.IsAsciiHexDigit))
            {
                return Results.BadRequest(new { error = "give the quarantined version's content hash (at least its first 8 hex digits, as GET /quarantine shows it)" });
            }

            var released = await server.ReleaseQuarantineAsync(hash, cancellationToken).ConfigureAwait(false);
            return released.Count == 0
                ? Results.NotFound(new { error = $"no quarantined version has a content hash starting with '{hash}'" })
                : Results.Json(new { released = released.Select(e => new { file = e.File, hash = e.Hash }), note = "reloaded: the released versions load again" });
        });
    }

    /// <summary>A summary for /status.</summary>
    public static object Summary(ScriptableServer server) => new
    {
        stateDirectory = server.Containment.StateDirectory,
        quarantined = server.Containment.Quarantine.Entries.Count,
        stuckThreads = server.Watchdog.StuckThreads,
        loopsReplaced = server.Watchdog.LoopsReplaced,
    };

    private static object Describe(ScriptableServer server)
    {
        var containment = server.Containment;
        var files = server.Policies.Files;
        return new
        {
            stateDirectory = containment.StateDirectory,
            journal = containment.Journal.Path,
            stuckThreads = server.Watchdog.StuckThreads,
            stuckRuns = server.Watchdog.StuckRuns,
            loopsReplaced = server.Watchdog.LoopsReplaced,
            quarantined = containment.Quarantine.Entries.Select(e =>
            {
                var status = files.FirstOrDefault(f => f.File.Replace('\\', '/').EndsWith("/" + e.File, StringComparison.Ordinal) || f.File == e.File);
                return new
                {
                    file = e.File,
                    hash = e.Hash,
                    revision = e.Revision,
                    since = e.Since,
                    reason = e.Reason,
                    suspects = e.Suspects,
                    questions = e.Questions,
                    strikes = containment.Quarantine.Strikes(e.File),
                    serving = status?.Version is { } version
                        ? (version.ContentHash == e.Hash ? "this version (released)" : $"content {version.ContentHash[..12]}")
                        : "the fallback",
                    release = $"save a changed file, or DELETE /quarantine/{e.Hash[..12]}",
                };
            }),
        };
    }
}
