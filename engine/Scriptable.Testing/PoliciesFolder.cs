using Scriptable.Engine.Geo;
using Scriptable.Engine.Health;
using Scriptable.Engine.Local;
using Scriptable.Policies;

namespace Scriptable.Testing;

/// <summary>
/// A policies folder loaded in-process, exactly as <c>scriptable serve</c> loads it, answering queries
/// through the server's own pipeline without sockets. Each question may state where the client is, the
/// health of the checks, and the time. Use it from any test framework:
/// <code>
/// using var folder = PoliciesFolder.Load("policies");
/// var result = folder.Query("www.example.com", "A", geo: new GeoFacts(Country: "FR"));
/// Assert.Equal("NOERROR", result.Rcode);
/// </code>
/// </summary>
public sealed class PoliciesFolder : IDisposable
{
    private readonly LocalServer _server;

    private PoliciesFolder(string path, LocalServer server)
    {
        Path = path;
        _server = server;
        var loaded = server.Loaded;
        Zones = [.. loaded.Zones.Zones.Select(z => z.Origin.ToString())];
        Policies = [.. loaded.Policies.Policies.Bindings.Select(b => b.Owner.ToString())];
        Databases = [.. loaded.Geo.Databases.Databases.OfType<GeoDatabase>().Select(d => d.Path)];
        Checks = [.. loaded.Health.Checks.Select(c => c.Name), .. loaded.Health.Groups.Select(g => g.Name)];
    }

    /// <summary>The folder loaded.</summary>
    public string Path { get; }

    /// <summary>Origins of the zones served.</summary>
    public IReadOnlyList<string> Zones { get; }

    /// <summary>The geo databases in use, in lookup order.</summary>
    public IReadOnlyList<string> Databases { get; }

    /// <summary>The names answered by policies.</summary>
    public IReadOnlyList<string> Policies { get; }

    /// <summary>The health checks and groups of the folder's <c>health.yaml</c>.</summary>
    public IReadOnlyList<string> Checks { get; }

    /// <summary>Warnings from loading (zones as <c>file:line: message</c>, policies as <c>file(line,col): warning ...</c>).</summary>
    public IReadOnlyList<string> Warnings => _server.Warnings;

    /// <summary>The server underneath, for <see cref="LocalQuestion"/>s that state everything.</summary>
    public LocalServer Server => _server;

    /// <summary>
    /// Loads a folder as the server does (zones, then policies compiled with the same sandbox and budget, geo
    /// databases: <paramref name="geo"/>, then the folder's <c>_geo/*.mmdb</c>, and <c>health.yaml</c>); throws
    /// <see cref="InvalidDataException"/> listing every error if anything fails to load or compile.
    /// </summary>
    public static PoliciesFolder Load(string path, params string[] geo) => new(path, LocalServer.Load(path, geo));

    /// <summary>Unloads the compiled policies (each lives in a collectible assembly load context).</summary>
    public void Dispose() => _server.Dispose();

    /// <summary>
    /// Asks a question as a client would. <paramref name="type"/> is a mnemonic (<c>AAAA</c>) or <c>TYPEnnn</c>;
    /// <paramref name="ecs"/> is an EDNS Client Subnet such as <c>192.0.2.0/24</c>; without EDNS the UDP
    /// limit is 512 octets, as for a real client. <paramref name="geo"/> states where the client is instead of
    /// looking it up; <paramref name="health"/> states checks' states (others are unknown, which counts as up);
    /// <paramref name="time"/> is what the policy sees in <c>ctx.Now</c>.
    /// </summary>
    public QueryResult Query(
        string name,
        string type = "A",
        string client = "192.0.2.1",
        string? ecs = null,
        bool tcp = false,
        bool edns = true,
        GeoFacts? geo = null,
        IReadOnlyDictionary<string, HealthState>? health = null,
        DateTimeOffset? time = null,
        IReadOnlyDictionary<string, HealthOverrideKind>? overrides = null) =>
        QueryResult.From(_server.Ask(new LocalQuestion(name, type)
        {
            Client = client,
            Ecs = ecs,
            Tcp = tcp,
            Edns = edns,
            Geo = geo,
            Health = health,
            Time = time,
            Overrides = overrides,
        }));

    /// <summary>Asks a question that states everything (transport, DO bit, geo databases...).</summary>
    public QueryResult Query(LocalQuestion question) => QueryResult.From(_server.Ask(question));
}
