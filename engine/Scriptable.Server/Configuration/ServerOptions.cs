using Scriptable.Engine.Policies;

namespace Scriptable.Server.Configuration;

/// <summary>
/// The server's settings, bound from <c>scriptable.json</c>, <c>SCRIPTABLE_</c> environment variables and
/// the command line (in that order of precedence, lowest first).
/// </summary>
public sealed class ServerOptions
{
    /// <summary>The default listen address: loopback only, a port no well-known service uses.</summary>
    public const string DefaultListen = "127.0.0.1:5300";

    /// <summary>Addresses to serve DNS on, UDP and TCP each: <c>127.0.0.1:5300</c>, <c>[::1]:5300</c>.</summary>
    public List<string> Listen { get; set; } = [];

    /// <summary>The policies folder: one sub-folder per zone.</summary>
    public string Policies { get; set; } = "policies";

    /// <summary>UDP receive loops per address (one SO_REUSEPORT socket each); 0 means <see cref="DefaultUdpThreads"/>.</summary>
    public int UdpThreads { get; set; }

    /// <summary>
    /// One receive loop per two cores (at least one): the kernel's network stack needs the other half. On the
    /// 2-core benchmark machine one loop answered 2.4x more queries per CPU-second than two, whose threads
    /// spent their time waking each other (tests/load/README.md).
    /// </summary>
    public static int DefaultUdpThreads => Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Seconds a TCP connection may stay idle before it is closed (RFC 7766 section 6.2.3).</summary>
    public double TcpIdleTimeoutSeconds { get; set; } = 10;

    /// <summary>Open TCP connections allowed per address; more are closed at once.</summary>
    public int TcpMaxConnections { get; set; } = 1000;

    /// <summary>Largest UDP payload we announce and send with EDNS.</summary>
    public ushort EdnsBufferSize { get; set; } = 1232;

    /// <summary>Name server identifier returned for NSID queries (RFC 5001); empty disables it.</summary>
    public string Nsid { get; set; } = "";

    /// <summary>Reload zones and policies when the policies folder changes (a watcher plus a periodic rescan).</summary>
    public bool Watch { get; set; } = true;

    /// <summary>Seconds between two rescans of the policies folder (watchers miss events).</summary>
    public double RescanSeconds { get; set; } = 2;

    /// <summary>Milliseconds the folder must stay quiet after a change before reloading.</summary>
    public double DebounceMilliseconds { get; set; } = 50;

    /// <summary>Which files are policies and how they run.</summary>
    public PolicyConfig Policy { get; set; } = new();

    /// <summary>Geo databases and whose EDNS Client Subnet to believe.</summary>
    public GeoConfig Geo { get; set; } = new();

    /// <summary>The admin HTTP endpoint.</summary>
    public AdminConfig Admin { get; set; } = new();

    /// <summary>Health checks (declared in the policies folder's health.yaml) and their overrides.</summary>
    public HealthOptions Health { get; set; } = new();

    /// <summary>Every setting out of range, as one line each (empty when all are valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (RescanSeconds is <= 0 or > 3600)
        {
            errors.Add($"RescanSeconds must be between 0 and 3600 (got {RescanSeconds})");
        }

        if (DebounceMilliseconds is < 0 or > 10000)
        {
            errors.Add($"DebounceMilliseconds must be between 0 and 10000 (got {DebounceMilliseconds})");
        }

        if (Policy.TimeBudgetMilliseconds is <= 0 or > 10000)
        {
            errors.Add($"Policy:TimeBudgetMilliseconds must be above 0 and at most 10000 (got {Policy.TimeBudgetMilliseconds})");
        }

        if (Policy.MaxStackKilobytes is < 16 or > 4096)
        {
            errors.Add($"Policy:MaxStackKilobytes must be between 16 and 4096 (got {Policy.MaxStackKilobytes})");
        }

        if (Policy.MaxAllocatedKilobytes is < 64 or > 1024 * 1024)
        {
            errors.Add($"Policy:MaxAllocatedKilobytes must be between 64 and 1048576 (got {Policy.MaxAllocatedKilobytes})");
        }

        foreach (var network in Geo.EcsTrusted)
        {
            if (!System.Net.IPNetwork.TryParse(network, out _))
            {
                errors.Add($"Geo:EcsTrusted: '{network}' is not a network such as 192.0.2.0/24 or 2001:db8::/32");
            }
        }

        if (!string.IsNullOrEmpty(Admin.Listen) && Admin.Listen != "off")
        {
            if (!ListenAddress.TryParse(Admin.Listen, out var admin, out var adminError))
            {
                errors.Add("Admin:Listen: " + adminError);
            }
            else if (!System.Net.IPAddress.IsLoopback(admin.Address) && string.IsNullOrEmpty(Admin.Token))
            {
                errors.Add($"Admin:Listen is {Admin.Listen}, not a loopback address: set Admin:Token, which every request must then send as 'Authorization: Bearer <token>'");
            }
        }

        if (!Enum.IsDefined(Policy.Fallback))
        {
            errors.Add($"Policy:Fallback must be ServFail, Static, NoData, NxDomain or Refused (got {Policy.Fallback})");
        }

        return errors;
    }
}

/// <summary>The <c>Policy</c> section: which files are policies, and the defaults every policy starts from.</summary>
public sealed class PolicyConfig
{
    /// <summary>Glob patterns of policy files, relative to the policies folder.</summary>
    public List<string> Include { get; set; } = [];

    /// <summary>Glob patterns of files that are not policies.</summary>
    public List<string> Exclude { get; set; } = [];

    /// <summary>What a name answers when its policy cannot: ServFail, Static, NoData, NxDomain or Refused.</summary>
    public PolicyFallback Fallback { get; set; } = PolicyFallback.ServFail;

    /// <summary>Time one query may spend in a policy, in milliseconds.</summary>
    public double TimeBudgetMilliseconds { get; set; } = 10;

    /// <summary>Stack space (the depth budget) one query may use in a policy, in KiB.</summary>
    public int MaxStackKilobytes { get; set; } = 256;

    /// <summary>Memory one query may allocate in a policy, in KiB.</summary>
    public int MaxAllocatedKilobytes { get; set; } = 16 * 1024;

    /// <summary>The engine's options from this section.</summary>
    public PolicyOptions ToOptions()
    {
        var defaults = new PolicyOptions();
        return new PolicyOptions
        {
            Include = Include.Count > 0 ? [.. Include] : defaults.Include,
            Exclude = Exclude.Count > 0 ? [.. Exclude] : defaults.Exclude,
            Defaults = new PolicySettings
            {
                Fallback = Fallback,
                TimeBudget = TimeSpan.FromMilliseconds(TimeBudgetMilliseconds),
                MaxStackKilobytes = MaxStackKilobytes,
                MaxAllocatedKilobytes = MaxAllocatedKilobytes,
            },
        };
    }
}

/// <summary>The <c>Geo</c> section.</summary>
public sealed class GeoConfig
{
    /// <summary>
    /// MaxMind-format databases (GeoIP2/GeoLite2 City, Country, ASN, or any .mmdb), consulted in this order,
    /// before those found in the policies folder's <c>_geo/</c>. Reloaded when they change.
    /// </summary>
    public List<string> Databases { get; set; } = [];

    /// <summary>Networks of the resolvers whose EDNS Client Subnet is believed; empty believes every client.</summary>
    public List<string> EcsTrusted { get; set; } = [];
}

/// <summary>The <c>Admin</c> section: the HTTP endpoint that shows the server's state and takes overrides.</summary>
public sealed class AdminConfig
{
    /// <summary>The default: loopback only, next to the DNS port.</summary>
    public const string DefaultListen = "127.0.0.1:5380";

    /// <summary>Where the admin endpoint listens (<c>127.0.0.1:5380</c>; <c>off</c> disables it).</summary>
    public string Listen { get; set; } = DefaultListen;

    /// <summary>
    /// A secret that requests send as <c>Authorization: Bearer TOKEN</c>. Required for an address other than
    /// loopback, where every request must send it; on loopback, with a token set, changes must send it.
    /// </summary>
    public string Token { get; set; } = "";
}

/// <summary>The <c>Health</c> section.</summary>
public sealed class HealthOptions
{
    /// <summary>The file that keeps the operators' overrides across restarts (default: the policies folder's <c>health-overrides.json</c>).</summary>
    public string OverridesFile { get; set; } = "";

    /// <summary>Probes in flight at most.</summary>
    public int MaxConcurrentProbes { get; set; } = 256;

    /// <summary>The overrides file for a policies folder.</summary>
    public string OverridesPath(string policies) => OverridesFile.Length > 0 ? OverridesFile : Path.Combine(policies, "health-overrides.json");
}
