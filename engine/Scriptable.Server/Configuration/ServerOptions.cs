using Scriptable.Engine.Health;
using Scriptable.Engine.Model;
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

    /// <summary>
    /// Seconds a TCP connection may wait for the first octet of its next message, counted from the last complete
    /// message (or from the connection's start) and not reset by octets of a message still arriving (RFC 7766
    /// section 6.2.3).
    /// </summary>
    public double TcpIdleTimeoutSeconds { get; set; } = 10;

    /// <summary>Seconds a TCP message may take to arrive whole, counted from its first octet (Knot's tcp-io-timeout).</summary>
    public double TcpMessageTimeoutSeconds { get; set; } = 2;

    /// <summary>Seconds the answers to one batch of messages may wait for a client that does not read them.</summary>
    public double TcpSendTimeoutSeconds { get; set; } = 5;

    /// <summary>
    /// Open TCP connections allowed per listen address. When the table is full, the connection idle longest or
    /// slowest to finish its message is closed for the new one; a new connection is refused only when every
    /// open one is busy answering.
    /// </summary>
    public int TcpMaxConnections { get; set; } = 1000;

    /// <summary>
    /// Open TCP connections allowed per client (an address, or a network of <see cref="TcpClientIPv4Prefix"/> or
    /// <see cref="TcpClientIPv6Prefix"/> bits) per listen address; more from that client are refused. At or
    /// above <see cref="TcpMaxConnections"/>, one client may take the whole table.
    /// </summary>
    public int TcpMaxConnectionsPerClient { get; set; } = 64;

    /// <summary>Prefix length that groups IPv4 clients for <see cref="TcpMaxConnectionsPerClient"/> (32: each address).</summary>
    public int TcpClientIPv4Prefix { get; set; } = 32;

    /// <summary>Prefix length that groups IPv6 clients for <see cref="TcpMaxConnectionsPerClient"/> (64: one subnet, which one host often holds whole).</summary>
    public int TcpClientIPv6Prefix { get; set; } = 64;

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

    /// <summary>
    /// Where the server keeps what outlives its process (the in-flight journal, the quarantine, the last good policy
    /// versions). Empty: systemd's <c>$STATE_DIRECTORY</c> when set, else <c>~/.local/state/scriptable/&lt;folder&gt;-&lt;hash&gt;</c>
    /// (<c>$XDG_STATE_HOME</c> when set). Never inside the policies folder; created with mode 0700.
    /// </summary>
    public string StateDirectory { get; set; } = "";

    /// <summary>The state directory this configuration resolves to (<see cref="StateDirectory"/>).</summary>
    public string ResolveStateDirectory(string? policies = null) =>
        Engine.Containment.StateDirectory.Resolve(StateDirectory, policies ?? Policies, Environment.GetEnvironmentVariable);

    /// <summary>Which files are policies and how they run.</summary>
    public PolicyConfig Policy { get; set; } = new();

    /// <summary>Geo databases and whose EDNS Client Subnet to believe.</summary>
    public GeoConfig Geo { get; set; } = new();

    /// <summary>The admin HTTP endpoint.</summary>
    public AdminConfig Admin { get; set; } = new();

    /// <summary>Health checks (declared in the policies folder's health.yaml) and their overrides.</summary>
    public HealthOptions Health { get; set; } = new();

    /// <summary>DNSSEC: where the zones' signing keys are.</summary>
    public DnssecConfig Dnssec { get; set; } = new();

    /// <summary>Which files outside the policies folder the folder's files may name.</summary>
    public FilesConfig Files { get; set; } = new();

    /// <summary>dnstap: every query and response, to a Frame Streams reader or a file (off by default).</summary>
    public Observability.Dnstap.DnstapConfig Dnstap { get; set; } = new();

    /// <summary>The query log: one line per answered query (off by default).</summary>
    public Observability.QueryLog.QueryLogConfig QueryLog { get; set; } = new();

    /// <summary>TSIG keys: signed queries are verified with them, and transfers and NOTIFYs name them.</summary>
    public TsigConfig Tsig { get; set; } = new();

    /// <summary>Per-zone settings, keyed by the zone's name (<c>Zones:example.org:Transfer:Allow</c>): transfers, NOTIFY, serial policy.</summary>
    public Dictionary<string, ZoneOptions> Zones { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The engine's TSIG keys and transfer settings (call <see cref="Validate"/> first: invalid entries are left out).</summary>
    public Engine.Transfers.TransferSettings ToTransferSettings() => TransferOptions.ToSettings(Tsig, Zones, []);

    /// <summary>Cluster mode: overrides, membership and health shared through etcd (off by default).</summary>
    public Cluster.ClusterConfig Cluster { get; set; } = new();

    /// <summary>
    /// The configuration file the options were read from (set by the command line, not bound): one of the server's
    /// own files, never read as data (it may hold the admin token).
    /// </summary>
    internal string? ConfigurationFile { get; set; }

    /// <summary>
    /// The operator's decisions about a policies folder (default: <see cref="Policies"/>), for the engine: include
    /// folders, the server's own files (the overrides file, the configuration file), command checks.
    /// </summary>
    public FolderOptions ToFolderOptions(string? policies = null)
    {
        var serverFiles = new List<string> { Health.OverridesPath(ResolveStateDirectory(policies)) };
        if (Health.FormerOverridesPath(policies ?? Policies) is { } former)
        {
            serverFiles.Add(former);
        }

        if (!string.IsNullOrEmpty(ConfigurationFile))
        {
            serverFiles.Add(ConfigurationFile);
        }

        return new FolderOptions
        {
            IncludeDirectories = [.. Files.IncludeDirectories],
            ServerFiles = serverFiles,
            CommandChecks = Health.Commands.ToPolicy(),
        };
    }

    /// <summary>Every setting out of range, as one line each (empty when all are valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (UdpThreads is < 0 or > 256)
        {
            errors.Add($"UdpThreads must be between 0 (one per two cores) and 256 (got {UdpThreads})");
        }

        if (RescanSeconds is <= 0 or > 3600)
        {
            errors.Add($"RescanSeconds must be between 0 and 3600 (got {RescanSeconds})");
        }

        if (DebounceMilliseconds is < 0 or > 10000)
        {
            errors.Add($"DebounceMilliseconds must be between 0 and 10000 (got {DebounceMilliseconds})");
        }

        ValidateTcp(errors);
        if (Policy.TimeBudgetMilliseconds is <= 0 or > 10000)
        {
            errors.Add($"Policy:TimeBudgetMilliseconds must be above 0 and at most 10000 (got {Policy.TimeBudgetMilliseconds})");
        }

        if (Policy.MaxStackKilobytes is < 16 or > 4096)
        {
            errors.Add($"Policy:MaxStackKilobytes must be between 16 and 4096 (got {Policy.MaxStackKilobytes})");
        }

        // The stacks of policy threads are sized for what a policy can build within this (PolicyThreads).
        if (Policy.MaxAllocatedKilobytes < 64 || Policy.MaxAllocatedKilobytes > Scriptable.Engine.Policies.PolicyThreads.MaxMemoryKilobytes)
        {
            errors.Add($"Policy:MaxAllocatedKilobytes must be between 64 and {Scriptable.Engine.Policies.PolicyThreads.MaxMemoryKilobytes} (got {Policy.MaxAllocatedKilobytes})");
        }

        if (Policy.MaxCpuPercent is <= 0 or > 100)
        {
            errors.Add($"Policy:MaxCpuPercent must be above 0 and at most 100 (got {Policy.MaxCpuPercent})");
        }

        if (Policy.StuckAfterBudgets is < 2 or > 10000)
        {
            errors.Add($"Policy:StuckAfterBudgets must be between 2 and 10000 (got {Policy.StuckAfterBudgets})");
        }

        if (Policy.MaxStuckThreads is < 1 or > 1000)
        {
            errors.Add($"Policy:MaxStuckThreads must be between 1 and 1000 (got {Policy.MaxStuckThreads})");
        }

        if (Engine.Containment.StateDirectory.IsInside(Dnssec.ResolveKeys(Policies), Policies))
        {
            errors.Add($"Dnssec:Keys '{Dnssec.ResolveKeys(Policies)}' is inside the policies folder '{Policies}', which other nodes may share or git may sync: private keys must stay out of it");
        }

        if (Engine.Containment.StateDirectory.IsInside(ResolveStateDirectory(), Policies))
        {
            errors.Add($"StateDirectory '{ResolveStateDirectory()}' is inside the policies folder '{Policies}', which other nodes may share or git may sync: choose a directory outside it");
        }

        foreach (var network in Geo.EcsTrusted)
        {
            if (!System.Net.IPNetwork.TryParse(network, out _))
            {
                errors.Add($"Geo:EcsTrusted: '{network}' is not a network such as 192.0.2.0/24 or 2001:db8::/32");
            }
        }

        if (Admin.Token.Length > 0 && (string.IsNullOrWhiteSpace(Admin.Token) || Admin.Token.Trim().Length != Admin.Token.Length))
        {
            // Clients' tokens are read trimmed: a blank token, or one with blanks around it, can never be sent.
            errors.Add("Admin:Token is blank or has blanks around it: set a token without spaces, tabs or line breaks at its ends (or none at all)");
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

        errors.AddRange(Policy.Trial.Validate());
        if (!Enum.IsDefined(Policy.Isolation))
        {
            errors.Add($"Policy:Isolation must be InProcess or Process (got {Policy.Isolation})");
        }

        errors.AddRange(Policy.Workers.Validate());
        foreach (var directory in Files.IncludeDirectories)
        {
            if (!Path.IsPathRooted(directory) || !Directory.Exists(directory))
            {
                errors.Add($"Files:IncludeDirectories: '{directory}' is not an absolute path of an existing folder");
            }
        }

        errors.AddRange(Health.Commands.Validate());
        TransferOptions.ToSettings(Tsig, Zones, errors);
        errors.AddRange(Dnstap.Validate());
        errors.AddRange(QueryLog.Validate());
        errors.AddRange(Cluster.Validate());

        if (!Enum.IsDefined(Policy.Fallback))
        {
            errors.Add($"Policy:Fallback must be ServFail, Static, NoData, NxDomain or Refused (got {Policy.Fallback})");
        }

        return errors;
    }

    private void ValidateTcp(List<string> errors)
    {
        // NaN fails every comparison, so ranges are written as "not inside" to catch it too.
        if (!(TcpIdleTimeoutSeconds > 0 && TcpIdleTimeoutSeconds <= 3600))
        {
            errors.Add($"TcpIdleTimeoutSeconds must be above 0 and at most 3600 (got {TcpIdleTimeoutSeconds})");
        }

        if (!(TcpMessageTimeoutSeconds > 0 && TcpMessageTimeoutSeconds <= 120))
        {
            errors.Add($"TcpMessageTimeoutSeconds must be above 0 and at most 120 (got {TcpMessageTimeoutSeconds})");
        }

        if (!(TcpSendTimeoutSeconds > 0 && TcpSendTimeoutSeconds <= 120))
        {
            errors.Add($"TcpSendTimeoutSeconds must be above 0 and at most 120 (got {TcpSendTimeoutSeconds})");
        }

        if (TcpMaxConnections is < 1 or > 65535)
        {
            errors.Add($"TcpMaxConnections must be between 1 and 65535 (got {TcpMaxConnections})");
        }

        if (TcpMaxConnectionsPerClient is < 1 or > 65535)
        {
            errors.Add($"TcpMaxConnectionsPerClient must be between 1 and 65535 (got {TcpMaxConnectionsPerClient})");
        }

        if (TcpClientIPv4Prefix is < 8 or > 32)
        {
            errors.Add($"TcpClientIPv4Prefix must be between 8 and 32 (got {TcpClientIPv4Prefix})");
        }

        if (TcpClientIPv6Prefix is < 32 or > 128)
        {
            errors.Add($"TcpClientIPv6Prefix must be between 32 and 128 (got {TcpClientIPv6Prefix})");
        }
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

    /// <summary>
    /// The most of the receive loops' time one policy may take, in percent (5: a twentieth), as the watchdog measures it;
    /// over it, its names answer their fallback until it is back under. A policy's <c>cpu=</c> directive overrides it.
    /// </summary>
    public double MaxCpuPercent { get; set; } = 5;

    /// <summary>A query still in a policy after this many times its time budget (and at least 0.5 s) is stuck: its loop is replaced and the policy benched.</summary>
    public double StuckAfterBudgets { get; set; } = 100;

    /// <summary>Threads stuck in policy code at once, at most; one more and the server exits on purpose (the restart quarantines the culprits).</summary>
    public int MaxStuckThreads { get; set; } = 8;

    /// <summary>How new versions are compiled and tried before they serve.</summary>
    public TrialConfig Trial { get; set; } = new();

    /// <summary>
    /// Where policies run: <c>InProcess</c> (the default: fastest) or <c>Process</c> (in policy worker processes, for
    /// untrusted authors: what slips past the sandbox and the budget kills a worker, not the server). A policy can ask
    /// for worker processes itself (<c>// scriptable: isolation=process</c>), never leave them.
    /// </summary>
    public Engine.Isolation.PolicyIsolation Isolation { get; set; } = Engine.Isolation.PolicyIsolation.InProcess;

    /// <summary>The policy worker processes, used by the policies that run in them.</summary>
    public WorkersConfig Workers { get; set; } = new();

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
                MaxCpuPercent = MaxCpuPercent,
                Isolation = Isolation,
            },
            TrialSettings = Trial.ToSettings(),
        };
    }
}

/// <summary>
/// The <c>Policy:Trial</c> section: before a new policy version serves, it is compiled, loaded and asked its
/// fixture cases and synthetic questions in a disposable child process; a version that crashes, hangs, runs
/// out of a budget or fails a case there does not serve.
/// </summary>
public sealed class TrialConfig
{
    /// <summary>
    /// True (the default): try every new version in a child process before it serves. False: compile in the
    /// server process and serve without a trial (only for machines that cannot start processes).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Synthetic questions asked of each new version.</summary>
    public int Questions { get; set; } = 300;

    /// <summary>CPU seconds the synthetic questions of one file may take; a slow policy is asked those that fit.</summary>
    public double QuestionSeconds { get; set; } = 3;

    /// <summary>True: a version that fails a fixture case does not serve. False: the failures are warnings.</summary>
    public bool FixturesMustPass { get; set; } = true;

    /// <summary>Seconds compiling one policy may take.</summary>
    public double CompileTimeoutSeconds { get; set; } = 10;

    /// <summary>The largest policy, helpers included, in KiB.</summary>
    public int MaxSourceKilobytes { get; set; } = 256;

    /// <summary>The heap limit of the trial process, in MiB.</summary>
    public int MemoryMegabytes { get; set; } = 1024;

    /// <summary>The engine's settings from this section.</summary>
    public Engine.Trial.TrialSettings ToSettings() => new()
    {
        Questions = Questions,
        QuestionTime = TimeSpan.FromSeconds(QuestionSeconds),
        FixturesMustPass = FixturesMustPass,
        CompileTimeout = TimeSpan.FromSeconds(CompileTimeoutSeconds),
        MaxSourceKilobytes = MaxSourceKilobytes,
        MemoryMegabytes = MemoryMegabytes,
    };

    /// <summary>Every setting out of range, one line each.</summary>
    public IEnumerable<string> Validate()
    {
        if (Questions is < 0 or > 100_000)
        {
            yield return $"Policy:Trial:Questions must be between 0 and 100000 (got {Questions})";
        }

        if (!(QuestionSeconds is >= 0.1 and <= 600))
        {
            yield return $"Policy:Trial:QuestionSeconds must be between 0.1 and 600 (got {QuestionSeconds})";
        }

        if (CompileTimeoutSeconds is < 1 or > 600)
        {
            yield return $"Policy:Trial:CompileTimeoutSeconds must be between 1 and 600 (got {CompileTimeoutSeconds})";
        }

        if (MaxSourceKilobytes is < 1 or > 16 * 1024)
        {
            yield return $"Policy:Trial:MaxSourceKilobytes must be between 1 and 16384 (got {MaxSourceKilobytes})";
        }

        if (MemoryMegabytes is < 128 or > 64 * 1024)
        {
            yield return $"Policy:Trial:MemoryMegabytes must be between 128 and 65536 (got {MemoryMegabytes})";
        }
    }
}

/// <summary>
/// The <c>Policy:Workers</c> section: the worker processes that run the policies that run out of process
/// (<c>Policy:Isolation</c> = <c>Process</c>, or a policy's <c>isolation=process</c>). None starts while no policy needs one.
/// </summary>
public sealed class WorkersConfig
{
    /// <summary>Worker processes; 0 (the default) means one per UDP receive loop, plus one.</summary>
    public int Count { get; set; }

    /// <summary>The heap hard limit of each worker, in MiB.</summary>
    public int MemoryMegabytes { get; set; } = 512;

    /// <summary>
    /// A query waits for its worker at most this many time budgets of the policy (at least 100 ms), then answers the
    /// fallback and the version is benched; a worker still busy a grace period later is killed and replaced.
    /// </summary>
    public double DeadlineBudgets { get; set; } = 10;

    /// <summary>When the server runs as root: the user workers run as (a name, or uid:gid); empty means nobody.</summary>
    public string User { get; set; } = "";

    /// <summary>The engine's settings from this section, for a server with <paramref name="loops"/> UDP receive loops in all.</summary>
    public Engine.Isolation.WorkerSettings ToSettings(int loops) => new()
    {
        Count = Count > 0 ? Count : loops + 1,
        MemoryMegabytes = MemoryMegabytes,
        DeadlineBudgets = DeadlineBudgets,
        User = User,
    };

    /// <summary>Every setting out of range, one line each.</summary>
    public IEnumerable<string> Validate()
    {
        if (Count is < 0 or > 64)
        {
            yield return $"Policy:Workers:Count must be between 0 (one per UDP loop, plus one) and 64 (got {Count})";
        }

        if (MemoryMegabytes is < 128 or > 64 * 1024)
        {
            yield return $"Policy:Workers:MemoryMegabytes must be between 128 and 65536 (got {MemoryMegabytes})";
        }

        if (DeadlineBudgets is < 2 or > 10_000)
        {
            yield return $"Policy:Workers:DeadlineBudgets must be between 2 and 10000 (got {DeadlineBudgets})";
        }

        if (User.Length > 0 && Engine.Isolation.WorkerUser.Find(User.Trim(), File.Exists("/etc/passwd") ? File.ReadLines("/etc/passwd") : []) is null)
        {
            yield return $"Policy:Workers:User '{User}' is not a user of this machine (a name from /etc/passwd, or uid:gid)";
        }
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

/// <summary>The <c>Dnssec</c> section: the key folder. A zone is signed iff the folder holds keys for it.</summary>
public sealed class DnssecConfig
{
    /// <summary>
    /// The key folder (<c>scriptable dnssec init</c> writes there). Empty: beside the policies folder, named after it
    /// with <c>.keys</c> (<c>/etc/scriptable/policies.keys</c> for <c>/etc/scriptable/policies</c>): never inside it, so
    /// a policies folder pushed to git holds no private key, and two policies folders never share keys by accident.
    /// </summary>
    public string Keys { get; set; } = "";

    /// <summary>The key folder for the policies folder <paramref name="policies"/>.</summary>
    public string ResolveKeys(string policies) =>
        !string.IsNullOrEmpty(Keys) ? Path.GetFullPath(Keys) : Path.TrimEndingDirectorySeparator(Path.GetFullPath(policies)) + ".keys";
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
    private const string OverridesFileName = "health-overrides.json";

    /// <summary>
    /// The file that keeps the operators' overrides across restarts (default: <c>health-overrides.json</c> in the state
    /// directory; never in the policies folder by default, which git may sync and a build may embed).
    /// </summary>
    public string OverridesFile { get; set; } = "";

    /// <summary>Probes in flight at most.</summary>
    public int MaxConcurrentProbes { get; set; } = 256;

    /// <summary>What <c>command:</c> checks may run (off unless enabled here).</summary>
    public CommandChecksConfig Commands { get; set; } = new();

    /// <summary>The overrides file, given the state directory.</summary>
    public string OverridesPath(string stateDirectory) => OverridesFile.Length > 0 ? OverridesFile : Path.Combine(stateDirectory, OverridesFileName);

    /// <summary>Where earlier versions kept the overrides by default (the policies folder): read once, to move them.</summary>
    public string? FormerOverridesPath(string policies) => OverridesFile.Length > 0 ? null : Path.Combine(policies, OverridesFileName);

}

/// <summary>The <c>Files</c> section: files outside the policies folder that the folder's files may name.</summary>
public sealed class FilesConfig
{
    /// <summary>
    /// Folders (absolute) whose files <c>$INCLUDE</c> and fixtures' <c>geo-databases</c> may name, besides the
    /// policies folder itself. Empty: only the policies folder.
    /// </summary>
    public List<string> IncludeDirectories { get; set; } = [];
}

/// <summary>
/// The <c>Health:Commands</c> section: whether <c>command:</c> checks of <c>health.yaml</c> may run, and how. The
/// policies folder is data many people may write; what runs on the server is the operator's decision, here.
/// </summary>
public sealed class CommandChecksConfig
{
    /// <summary>Command checks run only when true (default false: a command check is an error of <c>health.yaml</c>).</summary>
    public bool Enabled { get; set; }

    /// <summary>Folders (absolute) whose programs may run; a command names its program by absolute path, and its real path must be inside one.</summary>
    public List<string> Directories { get; set; } = [];

    /// <summary>When the server runs as root, the user (name) commands run as, with no new privileges; empty: the server's user.</summary>
    public string User { get; set; } = "";

    /// <summary>The working directory of every command (absolute).</summary>
    public string WorkingDirectory { get; set; } = "/";

    /// <summary>The most of a command's output read, in bytes, for each of standard output and error.</summary>
    public int MaxOutputBytes { get; set; } = 4096;

    /// <summary>The engine's policy from this section.</summary>
    public CommandCheckPolicy ToPolicy() => new()
    {
        Enabled = Enabled,
        Directories = [.. Directories],
        User = string.IsNullOrWhiteSpace(User) ? null : User.Trim(),
        WorkingDirectory = WorkingDirectory,
        MaxOutputBytes = MaxOutputBytes,
    };

    /// <summary>Every setting out of range, one line each.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var directory in Directories)
        {
            if (!Path.IsPathRooted(directory) || !Directory.Exists(directory))
            {
                errors.Add($"Health:Commands:Directories: '{directory}' is not an absolute path of an existing folder");
            }
        }

        if (Enabled && Directories.Count == 0)
        {
            errors.Add("Health:Commands:Enabled is true but Health:Commands:Directories lists no folder of programs: list the folders whose programs command checks may run");
        }

        if (!Path.IsPathRooted(WorkingDirectory) || !Directory.Exists(WorkingDirectory))
        {
            errors.Add($"Health:Commands:WorkingDirectory: '{WorkingDirectory}' is not an absolute path of an existing folder");
        }

        if (MaxOutputBytes is < 64 or > 1024 * 1024)
        {
            errors.Add($"Health:Commands:MaxOutputBytes must be between 64 and 1048576 (got {MaxOutputBytes})");
        }

        if (User.Length > 0 && (User.Trim().Length == 0 || User.Any(c => char.IsWhiteSpace(c) || c == ':')))
        {
            errors.Add($"Health:Commands:User: '{User}' is not a user name");
        }

        return errors;
    }
}
