using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Scriptable.Engine.Health;
using Scriptable.Policies;
using Scriptable.Server.Hosting;

namespace Scriptable.Server.Admin;

/// <summary>
/// The health routes: every check and group with its state and why, and operators' overrides (force up,
/// force down, drain; optionally until a time), kept in the overrides file so they survive restarts.
/// </summary>
internal static class HealthRoutes
{
    /// <summary>Adds the routes.</summary>
    public static void Map(WebApplication app, ScriptableServer server)
    {
        app.MapGet("/health", (HttpContext context) => Results.Json(new
        {
            checks = server.Health.Statuses.Select(s => Describe(s, context.AdminAccess())),
            overrides = server.Health.Overrides.ToDictionary(o => o.Key, o => Describe(o.Value)),
            overridesFile = server.Cluster is null ? server.OverridesFile : null,
            overridesStore = server.Cluster is { } cluster ? $"etcd {cluster.Prefix}/overrides/" : null,
        }));
        app.MapPut("/health/{name}/override", async (string name, HttpRequest request, CancellationToken cancellationToken) =>
        {
            // A name that is no check or group would be kept and never read: a typo, said as one.
            var known = server.Health.Statuses.Select(s => s.Name).ToList();
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                var hint = Engine.Yaml.Spelling.Closest(name, known) is { } close ? $"; did you mean '{close}'?"
                    : known.Count == 0 ? "; health.yaml declares none" : $" (there are: {string.Join(", ", known)})";
                return Results.NotFound(new { error = $"'{name}' is no check or group of health.yaml{hint}" });
            }

            if (!request.HasJsonContentType())
            {
                return Results.Json(new { error = "send the body as JSON, with 'content-type: application/json': " + BodyHint }, statusCode: StatusCodes.Status415UnsupportedMediaType);
            }

            OverrideRequest? body;
            try
            {
                body = await request.ReadFromJsonAsync<OverrideRequest>(cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                return Results.BadRequest(new { error = "the body is not JSON: " + ex.Message });
            }

            if (body is null || !HealthOverride.TryParseKind(body.State, out var kind))
            {
                return Results.BadRequest(new { error = "send " + BodyHint });
            }

            var now = DateTimeOffset.UtcNow;
            DateTimeOffset? expires = null;
            if (!string.IsNullOrEmpty(body.Expires))
            {
                if (HealthDuration.TryParse(body.Expires, out var duration))
                {
                    expires = now + duration;
                }
                else if (DateTimeOffset.TryParse(body.Expires, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
                {
                    expires = at;
                }
                else
                {
                    return Results.BadRequest(new { error = $"expires '{body.Expires}' is neither a duration (10m, 2h) nor a time (2026-12-01T06:00:00Z)" });
                }
            }

            if (expires is { } until && until <= now)
            {
                // Applying it would only clear the override in force: refuse, and change nothing.
                return Results.BadRequest(new { error = $"expires '{body.Expires}' is already past ({until.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}): nothing was changed" });
            }

            var value = new HealthOverride(kind, expires, body.Reason, now);
            return await SaveAsync(server, name, value, cancellationToken).ConfigureAwait(false) ?? Results.Json(new { name, @override = Describe(value) });
        });
        app.MapDelete("/health/{name}/override", async (string name, CancellationToken cancellationToken) =>
        {
            if (!server.Health.Overrides.ContainsKey(name))
            {
                return Results.NotFound(new { error = $"'{name}' has no override" });
            }

            return await SaveAsync(server, name, null, cancellationToken).ConfigureAwait(false) ?? Results.Json(new { name, cleared = true });
        });
    }

    private const string BodyHint = "{\"state\": \"down\" | \"up\" | \"drain\", \"expires\": \"10m\" (optional), \"reason\": \"...\" (optional)}";

    /// <summary>
    /// Sets or clears an override; null when saved, else the 500 that says the file could not be written, or in cluster
    /// mode the 503 that says etcd could not take it (nothing changed, on any node).
    /// </summary>
    private static async Task<IResult?> SaveAsync(ScriptableServer server, string name, HealthOverride? value, CancellationToken cancellationToken)
    {
        try
        {
            await server.SetOverrideAsync(name, value, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Cluster.ClusterUnavailableException ex)
        {
            return Results.Json(new { error = ex.Message }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Results.Json(new { error = $"the overrides file cannot be written ({ex.Message}): nothing was changed" }, statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    /// <summary>Counts for /status.</summary>
    public static object Summary(ScriptableServer server)
    {
        var statuses = server.Health.Statuses;
        return new
        {
            checks = statuses.Count,
            up = statuses.Count(s => s.State == HealthState.Up),
            down = statuses.Count(s => s.State == HealthState.Down),
            draining = statuses.Count(s => s.State == HealthState.Draining),
            overrides = server.Health.Overrides.Count,
        };
    }

    private static object Describe(HealthCheckStatus status, AdminAccess access) => new
    {
        name = status.Name,
        kind = status.Kind.ToString().ToLowerInvariant(),
        target = status.Target,
        state = status.State.ToString().ToLowerInvariant(),
        checkState = status.CheckState.ToString().ToLowerInvariant(),
        since = status.Since,
        reason = status.Reason,
        vote = status.Vote,

        // What a command printed may hold anything: only for requests with the token.
        output = access.SeesOutput() ? status.Output : null,
        lastProbe = status.LastProbe,
        lastLatencyMilliseconds = status.LastLatency is { } latency ? Math.Round(latency.TotalMilliseconds, 2) : (double?)null,
        consecutiveSuccesses = status.ConsecutiveSuccesses,
        consecutiveFailures = status.ConsecutiveFailures,
        probes = status.Probes,
        failures = status.Failures,
        @override = status.Override is { } value ? Describe(value) : null,
    };

    private static object Describe(HealthOverride value) => new
    {
        state = HealthOverride.KindText(value.Kind),
        expires = value.Expires,
        reason = value.Reason,
        setAt = value.SetAt,
    };

    /// <summary>The body of PUT /health/{name}/override.</summary>
    /// <param name="State">down, up or drain.</param>
    /// <param name="Expires">A duration (10m) or a time; optional.</param>
    /// <param name="Reason">Why; optional.</param>
    private sealed record OverrideRequest(string? State, string? Expires, string? Reason);
}
