using Scriptable.Engine.Geo;
using Scriptable.Engine.Health;
using Scriptable.Policies;

namespace Scriptable.Engine.Local;

/// <summary>
/// A question asked of a <see cref="LocalServer"/>, with everything a test may state: the client (address,
/// EDNS Client Subnet), transport, where the client is, the health of the checks, and the time.
/// </summary>
/// <param name="Name">The name asked, with or without the trailing dot.</param>
/// <param name="Type">The type: a mnemonic (<c>AAAA</c>) or <c>TYPEnnn</c>.</param>
public sealed record LocalQuestion(string Name, string Type = "A")
{
    /// <summary>The source address of the query (a resolver's, usually).</summary>
    public string Client { get; init; } = "192.0.2.1";

    /// <summary>An EDNS Client Subnet such as <c>81.2.69.160/27</c>, or null.</summary>
    public string? Ecs { get; init; }

    /// <summary>Over TCP (no truncation) rather than UDP.</summary>
    public bool Tcp { get; init; }

    /// <summary>With an EDNS OPT record (implied by <see cref="Ecs"/>).</summary>
    public bool Edns { get; init; } = true;

    /// <summary>The DNSSEC OK bit.</summary>
    public bool DnssecOk { get; init; }

    /// <summary>
    /// The states of health checks, by name, as the probes would have found them; checks of <c>health.yaml</c>
    /// not named are unknown (which counts as up), and its groups follow from their members as on the server.
    /// </summary>
    public IReadOnlyDictionary<string, HealthState>? Health { get; init; }

    /// <summary>The checks of <see cref="Health"/> read from a running server (<c>scriptable query --live</c>), shown as live rather than stated.</summary>
    public IReadOnlySet<string>? LiveChecks { get; init; }

    /// <summary>In cluster mode, the vote behind each live state (<c>up (2 of 3, quorum majority: ...)</c>), by check name.</summary>
    public IReadOnlyDictionary<string, string>? LiveVotes { get; init; }

    /// <summary>Operators' overrides (force up, force down, drain) by check or group name, applied on top of <see cref="Health"/>.</summary>
    public IReadOnlyDictionary<string, HealthOverrideKind>? Overrides { get; init; }

    /// <summary>Where the client is, stated: replaces the geo databases for this question.</summary>
    public GeoFacts? Geo { get; init; }

    /// <summary>Geo database files consulted before the folder's own (ignored when <see cref="Geo"/> is stated).</summary>
    public IReadOnlyList<string>? GeoDatabases { get; init; }

    /// <summary>The time policies see in <c>ctx.Now</c>; null is the real time.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>A stated health state as written in fixtures and on the command line: up, down, draining (or drain), unknown; any case.</summary>
    internal static bool TryParseState(string text, out HealthState state)
    {
        switch (text.ToLowerInvariant())
        {
            case "up":
                state = HealthState.Up;
                return true;
            case "down":
                state = HealthState.Down;
                return true;
            case "draining" or "drain":
                state = HealthState.Draining;
                return true;
            case "unknown":
                state = HealthState.Unknown;
                return true;
            default:
                state = default;
                return false;
        }
    }
}
