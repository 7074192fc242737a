using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Geo;
using Scriptable.Engine.Health;
using Scriptable.Engine.Model;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones.MasterFile;
using Scriptable.Policies;

namespace Scriptable.Engine.Local;

/// <summary>
/// A policies folder loaded exactly as the server loads it (zones, policies compiled with the same sandbox
/// and budget, geo databases, health.yaml), answering questions through the server's own pipeline, without
/// sockets, health probes or background work. Each question may state the client, where it is, the health
/// of checks and the time. Used by <c>scriptable query</c>, <c>scriptable test</c> and the testing kit.
/// Thread-safe (questions are answered one at a time).
/// </summary>
public sealed class LocalServer : IDisposable
{
    private readonly IDisposable _owner;
    private readonly FolderReload _loaded;
    private readonly StatedTime _time = new();
    private readonly QueryPipeline _pipeline;
    private readonly QueryContext _context;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, GeoDatabase> _opened = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _shownPaths = new(StringComparer.Ordinal);

    private LocalServer(IDisposable owner, FolderReload loaded, IReadOnlyList<string> warnings)
    {
        _owner = owner;
        _loaded = loaded;
        Warnings = warnings;
        _pipeline = new QueryPipeline(new ServerSnapshot(loaded.Zones, new DnsConfig(), loaded.Policies.Policies, HealthMap.Empty, loaded.Geo.Databases), NullLogger.Instance, _time);
        _context = _pipeline.CreateContext();
        _context.Explain = true;
        _context.Isolated = true;
    }

    /// <summary>The signed zones and their keys (<c>scriptable query --dnssec</c> reads the key folder); none by default.</summary>
    public Dnssec.SigningSet Signing { get; set; } = Dnssec.SigningSet.Empty;

    /// <summary>The largest time budget of the folder's policies (how long one question may run in policy code).</summary>
    public TimeSpan MaxTimeBudget
    {
        get
        {
            var max = new PolicySettings().TimeBudget;
            foreach (var binding in _loaded.Policies.Policies.Bindings)
            {
                max = binding.Settings.TimeBudget > max ? binding.Settings.TimeBudget : max;
            }

            return max;
        }
    }

    /// <summary>The policy file that serves exactly <paramref name="name"/>, or null.</summary>
    public string? PolicyFileOf(string name)
    {
        if (!DnsName.TryParse(name.EndsWith('.') ? name : name + ".", null, out var parsed, out _))
        {
            return null;
        }

        return _loaded.Policies.Policies.Find(parsed)?.File;
    }

    /// <summary>The folder's zones, policies, geo databases and health checks as loaded.</summary>
    public FolderReload Loaded => _loaded;

    /// <summary>Warnings from loading: zones as <c>file:line: message</c>, the rest as <c>file(line,col): warning ...</c>.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>
    /// Loads a folder; <paramref name="geo"/> lists databases consulted before the folder's <c>_geo/</c>. Throws
    /// <see cref="InvalidDataException"/> listing every error when anything fails to load or compile.
    /// </summary>
    /// <remarks>
    /// <paramref name="folderOptions"/> are the operator's decisions about the folder (default: none: no include
    /// folders, and command checks accepted as written, since a local server never runs a probe).
    /// </remarks>
    public static LocalServer Load(string folder, IReadOnlyList<string>? geo = null, PolicyOptions? policyOptions = null, FolderOptions? folderOptions = null)
    {
        if (!Directory.Exists(folder))
        {
            throw new InvalidDataException($"'{folder}' is not a folder.");
        }

        var loader = new FolderLoader(folder, policyOptions, geo ?? [], folderOptions ?? new FolderOptions { CommandChecks = CommandCheckPolicy.NeverRun });
        var reload = loader.Reload();
        var errors = new List<string>();
        errors.AddRange(reload.ZoneResult.Errors.Select(e => e.ToString()));
        errors.AddRange(reload.Policies.Warnings.Where(w => w.IsError).Select(w => w.ToString()));
        errors.AddRange(reload.Policies.Changes.SelectMany(c => c.Diagnostics).Where(d => d.IsError).Select(d => d.ToString()));
        errors.AddRange(reload.Geo.Changes.Where(c => c.Error is not null).Select(c => c.Error!));
        errors.AddRange(reload.HealthResult?.Diagnostics.Where(d => d.IsError).Select(d => d.ToString()) ?? []);
        if (errors.Count > 0)
        {
            loader.Dispose();
            throw new InvalidDataException($"'{folder}' does not load:{Environment.NewLine}" + string.Join(Environment.NewLine, errors));
        }

        IReadOnlyList<string> warnings =
        [
            .. reload.ZoneResult.Warnings.Select(w => w.ToString()),
            .. reload.Policies.Warnings.Select(w => w.ToString()),
            .. reload.Policies.Changes.SelectMany(c => c.Diagnostics).Where(d => !d.IsError).Select(d => d.ToString()),
            .. reload.HealthResult?.Diagnostics.Where(d => !d.IsError).Select(d => d.ToString()) ?? [],
        ];
        return new LocalServer(loader, reload, warnings);
    }

    /// <summary>
    /// A local server over a folder already loaded (a trial process loads it from the versions it was sent);
    /// disposing the server disposes <paramref name="owner"/>, which unloads them.
    /// </summary>
    internal static LocalServer FromReload(FolderReload loaded, IDisposable owner) => new(owner, loaded, []);

    /// <summary>Asks a question as a client would, and says why the answer is what it is.</summary>
    public LocalAnswer Ask(LocalQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        if (!RecordType.TryParse(question.Type, out var type))
        {
            throw new ArgumentException($"'{question.Type}' is not a record type.");
        }

        if (!TryParseAddress(question.Client, out var client))
        {
            throw new ArgumentException($"'{question.Client}' is not an address.");
        }

        var name = question.Name.EndsWith('.') ? question.Name : question.Name + ".";
        var query = BuildQuery(name, type, question.Edns || question.Ecs is not null, question.DnssecOk, question.Ecs);
        lock (_gate)
        {
            _time.Now = question.Time;
            _pipeline.Publish(Snapshot(question));
            _context.Reset(query, 0, query.Length, question.Tcp ? DnsTransport.Tcp : DnsTransport.Udp);
            _context.SetClient(client.IsIPv4MappedToIPv6 ? client.MapToIPv4().GetAddressBytes() : client.GetAddressBytes(), 53000);
            var length = _pipeline.Process(_context);
            if (length == 0)
            {
                throw new InvalidOperationException("The server sent no answer.");
            }

            return Describe(_context, name, _context.Response.AsSpan(0, length).ToArray(), Explain(_context, question), _time.GetUtcNow());
        }
    }

    private ServerSnapshot Snapshot(LocalQuestion question)
    {
        GeoDatabaseSet databases;
        if (question.Geo is not null)
        {
            databases = new GeoDatabaseSet([new StatedGeo(question.Geo)]);
        }
        else if (question.GeoDatabases is { Count: > 0 } files)
        {
            var sources = new List<GeoSource>();
            foreach (var file in files)
            {
                sources.Add(OpenDatabase(file));
            }

            foreach (var source in _loaded.Geo.Databases.Databases)
            {
                if (sources.Count < GeoDatabaseSet.MaxDatabases)
                {
                    sources.Add(source);
                }
            }

            databases = new GeoDatabaseSet(sources);
        }
        else
        {
            databases = _loaded.Geo.Databases;
        }

        return new ServerSnapshot(_loaded.Zones, new DnsConfig(), _loaded.Policies.Policies, StatedHealth(question), databases, Signing);
    }

    private GeoDatabase OpenDatabase(string file)
    {
        var path = Path.GetFullPath(file);
        if (!_opened.TryGetValue(path, out var database))
        {
            try
            {
                database = GeoDatabase.Open(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or MaxMind.Db.InvalidDatabaseException)
            {
                throw new ArgumentException($"{file}: the geo database does not open: {ex.Message}", ex);
            }

            _opened[path] = database;
        }

        return database;
    }

    /// <summary>
    /// The health map the server would publish if its probes had found the stated states: every check of
    /// health.yaml (unknown unless stated), its groups from their members, then the overrides.
    /// </summary>
    private HealthMap StatedHealth(LocalQuestion question)
    {
        var config = _loaded.Health;
        var states = new Dictionary<string, HealthStatus>(StringComparer.Ordinal);
        foreach (var check in config.Checks)
        {
            states[check.Name] = new HealthStatus(HealthState.Unknown, DateTimeOffset.MinValue) { Reason = "not stated" };
        }

        foreach (var (name, state) in question.Health ?? EmptyStates)
        {
            states[name] = new HealthStatus(state, DateTimeOffset.MinValue) { Reason = "stated" };
        }

        var overrides = question.Overrides ?? EmptyOverrides;
        foreach (var group in config.Groups)
        {
            if (question.Health?.ContainsKey(group.Name) == true)
            {
                continue;
            }

            var up = 0;
            foreach (var member in group.Members)
            {
                var status = states.GetValueOrDefault(member);
                up += HealthMonitor.Effective(status.State, overrides.TryGetValue(member, out var kind) ? kind : null) is HealthState.Down or HealthState.Draining ? 0 : 1;
            }

            states[group.Name] = new HealthStatus(up >= group.MinUp ? HealthState.Up : HealthState.Down, DateTimeOffset.MinValue)
            {
                Reason = $"{up} of {group.Members.Count} members up (min-up {group.MinUp})",
            };
        }

        foreach (var (name, kind) in overrides)
        {
            var status = states.GetValueOrDefault(name);
            states[name] = new HealthStatus(HealthMonitor.Effective(status.State, kind), DateTimeOffset.MinValue)
            {
                Reason = $"override: {HealthOverride.KindText(kind)} (stated)",
                Overridden = true,
            };
        }

        return states.Count == 0 ? HealthMap.Empty : new HealthMap(states);
    }

    private static readonly Dictionary<string, HealthState> EmptyStates = [];
    private static readonly System.Buffers.SearchValues<char> DottedQuad = System.Buffers.SearchValues.Create("0123456789.");
    private static readonly Dictionary<string, HealthOverrideKind> EmptyOverrides = [];

    /// <summary>
    /// Parses an IPv4 address in dotted-quad form or an IPv6 address. <see cref="IPAddress.TryParse(string, out IPAddress)"/>
    /// also takes inet_aton forms (<c>192.0.2</c> is 192.0.0.2, <c>10</c> is 0.0.0.10): a typo must not become an address.
    /// </summary>
    internal static bool TryParseAddress(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text is null || !IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        if (parsed.AddressFamily == AddressFamily.InterNetwork && (text.AsSpan().Count('.') != 3 || text.AsSpan().ContainsAnyExcept(DottedQuad)))
        {
            return false;
        }

        address = parsed;
        return true;
    }

    private static byte[] BuildQuery(string name, ushort type, bool edns, bool dnssecOk, string? ecs)
    {
        var qname = DnsName.Parse(name);
        var packet = new List<byte> { 0x51, 0x17, 0, 0, 0, 1, 0, 0, 0, 0, 0, (byte)(edns ? 1 : 0) };
        packet.AddRange(qname.Wire);
        packet.AddRange([(byte)(type >> 8), (byte)type, 0, 1]);
        if (!edns)
        {
            return [.. packet];
        }

        var option = ecs is null ? [] : EcsOption(ecs);
        packet.AddRange([0, 0, 41, 0x04, 0xD0, 0, 0, (byte)(dnssecOk ? 0x80 : 0), 0, (byte)(option.Length >> 8), (byte)option.Length]);
        packet.AddRange(option);
        return [.. packet];
    }

    /// <summary>
    /// Parses <c>address/prefix</c> as dig takes it: host bits past the prefix are allowed (the server masks them);
    /// the prefix is not checked against the address's length.
    /// </summary>
    internal static bool TryParseSubnet(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address, out byte prefix)
    {
        address = null;
        prefix = 0;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash > 0
            && TryParseAddress(text[..slash], out address)
            && byte.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix);
    }

    private static byte[] EcsOption(string subnet)
    {
        if (!TryParseSubnet(subnet, out var address, out var prefix))
        {
            throw new ArgumentException($"'{subnet}' is not a subnet such as 192.0.2.0/24.");
        }

        var bytes = address.GetAddressBytes();
        var count = (prefix + 7) / 8;
        if (count > bytes.Length)
        {
            throw new ArgumentException($"'{subnet}' has a prefix longer than its address.");
        }

        var data = new byte[8 + count];
        data[1] = 8;
        data[3] = (byte)(4 + count);
        data[5] = (byte)(address.AddressFamily == AddressFamily.InterNetwork ? 1 : 2);
        data[6] = prefix;
        bytes.AsSpan(0, count).CopyTo(data.AsSpan(8));
        if (prefix % 8 != 0)
        {
            data[^1] &= (byte)(0xFF << (8 - (prefix % 8)));
        }

        return data;
    }

    private static LocalAnswer Describe(QueryContext context, string qname, byte[] wire, LocalExplanation why, DateTimeOffset now)
    {
        // The plan is what Finalize encoded; sections it had to leave out (TC) are dropped here likewise.
        int Count(int offset) => (wire[offset] << 8) | wire[offset + 1];
        var hasOpt = context.HasEdns ? 1 : 0;
        var plan = context.Plan;
        var at = Count(4) == 1 ? ResponseWire.SkipName(wire, 12) + 4 : wire.Length;
        return new LocalAnswer(
            ResponseCode.ToText(context.Rcode),
            (wire[2] & 0x04) != 0,
            (wire[2] & 0x02) != 0,
            Records(plan.Answer, Count(6), qname, wire, ref at),
            Records(plan.Authority, Count(8), qname, wire, ref at),
            Records(plan.Additional, Count(10) - hasOpt, qname, wire, ref at),
            context.Ecs.Present ? context.EcsScope : null,
            why,
            wire)
        {
            Signatures = CheckSignatures(context, now),
        };
    }

    /// <summary>Each RRSIG of the answer and authority sections checked against the RRset it covers and the zone's key.</summary>
    private static List<string> CheckSignatures(QueryContext context, DateTimeOffset now)
    {
        var lines = new List<string>();
        if (context.Zone is not { } zone || context.Snapshot.Dnssec.Find(zone.Origin) is not { Broken: false } keys)
        {
            return lines;
        }

        foreach (var section in new[] { context.Plan.Answer, context.Plan.Authority })
        {
            var items = section.Items;
            for (var i = 0; i < items.Length; i++)
            {
                if (items[i].Set.Type != RecordType.RRSIG)
                {
                    continue;
                }

                var rrsig = items[i].Set.Records[0].Wire;
                var covered = (ushort)((rrsig[0] << 8) | rrsig[1]);
                var tag = (ushort)((rrsig[16] << 8) | rrsig[17]);
                var owner = items[i].Owner ?? context.QName.ToDnsName();
                Zones.RRset? set = null;
                for (var j = 0; j < i && set is null; j++)
                {
                    if (items[j].Set.Type == covered && (items[j].Owner ?? context.QName.ToDnsName()).Equals(owner))
                    {
                        set = items[j].Set;
                    }
                }

                var key = keys.Keys.FirstOrDefault(k => k.Tag == tag);
                var verdict = set is null ? "covers no RRset of the section"
                    : key is null ? $"key {tag} is not in the zone's DNSKEY RRset"
                    : Dnssec.RrsigSigner.Verify(key, rrsig, owner.LowerWire, set, now) is { } why ? "does not validate: " + why
                    : "validates";
                lines.Add($"RRSIG {RecordType.ToText(covered)} {owner} key {tag}: {verdict}");
            }
        }

        return lines;
    }

    /// <summary>
    /// A section's records in the order the response carries them: the plan's RRsets in turn, each rotated or
    /// shuffled as the writer wrote it (a shuffle is read back from the record data on the wire, for types whose
    /// data holds no compressible name; others are listed as given). <paramref name="at"/> walks the wire.
    /// </summary>
    private static List<LocalRecord> Records(PlannedSection section, int count, string qname, byte[] wire, ref int at)
    {
        var records = new List<LocalRecord>();
        foreach (var item in section.Items)
        {
            var set = item.Set.Records;
            var used = new bool[set.Length];
            for (var n = 0; n < set.Length; n++)
            {
                if (records.Count == count)
                {
                    return records;
                }

                var written = ResponseWire.NextRData(wire, ref at);
                var r = item.Order switch
                {
                    RecordOrder.Rotated when set.Length > 1 => (n + (item.Rotation % set.Length)) % set.Length,
                    RecordOrder.Shuffled when !item.Set.CompressNames => Written(set, used, written, n),
                    _ => n,
                };
                used[r] = true;
                records.Add(new LocalRecord(item.Owner?.ToString() ?? qname, item.Ttl, RecordType.ToText(item.Set.Type), RDataText.Format(item.Set.Type, set[r])));
            }
        }

        return records;
    }

    /// <summary>The first record not yet listed whose data is <paramref name="written"/>; <paramref name="n"/> if none.</summary>
    private static int Written(RData[] set, bool[] used, ReadOnlySpan<byte> written, int n)
    {
        for (var i = 0; i < set.Length; i++)
        {
            if (!used[i] && set[i].Wire.SequenceEqual(written))
            {
                return i;
            }
        }

        return n;
    }

    /// <summary>
    /// The health the question ran with, for the explanation: each check and group of the folder's
    /// <c>health.yaml</c> and each stated one, with its state; null when there are none.
    /// </summary>
    private string? HealthText(LocalQuestion question)
    {
        var health = _loaded.Health;
        var names = new List<string>();
        names.AddRange(health.Checks.Select(c => c.Name));
        names.AddRange(health.Groups.Select(g => g.Name));
        names.AddRange((question.Health?.Keys ?? []).Concat(question.Overrides?.Keys ?? []).Where(n => !names.Contains(n)));
        if (names.Count == 0)
        {
            return null;
        }

        var parts = new List<string>();
        foreach (var check in names.Distinct())
        {
            var state = question.Health?.TryGetValue(check, out var stated) == true
                ? stated.ToString().ToLowerInvariant() + (question.LiveChecks?.Contains(check) != true ? " (stated)"
                    : question.LiveVotes?.TryGetValue(check, out var vote) == true ? $" (live; vote {vote})" : " (live)")
                : null;
            if (question.Overrides?.TryGetValue(check, out var kind) == true)
            {
                state = $"{HealthMonitor.Effective(question.Health?.GetValueOrDefault(check) ?? HealthState.Unknown, kind).ToString().ToLowerInvariant()} (override {HealthOverride.KindText(kind)})";
            }

            var group = health.Groups.FirstOrDefault(g => g.Name == check);
            parts.Add($"{check} {state ?? (group is null ? "unknown (not stated: counts as up)" : $"from its members ({string.Join(", ", group.Members)}, min-up {group.MinUp})")}");
        }

        return string.Join(", ", parts);
    }

    private LocalExplanation Explain(QueryContext context, LocalQuestion question)
    {
        // Names outside every zone stop before the client is located: say where it would have been.
        var lookup = context.LookupAddress.ToArray();
        if (lookup.Length is not (4 or 16))
        {
            lookup = context.ClientAddress.ToArray();
        }

        var address = lookup.Length is 4 or 16 ? new IPAddress(lookup).ToString() : "?";
        var locatedBy = context.LookupFromEcs
            ? $"ECS {context.Ecs}"
            : context.Ecs.Present && context.Zone is not null ? $"source address {address} (the ECS {context.Ecs} was not used: prefix 0 or an untrusted client)" : $"source address {address}";
        string? geo = null;
        if (lookup.Length is 4 or 16)
        {
            foreach (var database in context.Snapshot.Geo.Databases)
            {
                if (database.Lookup(lookup, out var prefix) is { } record)
                {
                    geo = $"{record.CountryCode ?? "?"}/{record.ContinentCode ?? "?"}{(record.City is null ? "" : $" {record.City}")}{(record.Asn is null ? "" : $" AS{record.Asn}")} in '{database.Name}' (network /{prefix})";
                    break;
                }
            }
        }

        var binding = context.AnsweredBy;
        var source = binding is null
            ? context.Zone is null ? "none" : "zone"
            : context.PolicyNote is null ? "policy" : "fallback";
        // Shown paths are cached: the current folder is a system call, and a distribution asks thousands of times.
        var file = binding is null ? null : _shownPaths.TryGetValue(binding.File, out var shown) ? shown : _shownPaths[binding.File] = ShownPath.Of(binding.File);
        return new LocalExplanation(source, binding?.Owner.ToString(), file, binding?.Version?.Revision, context.PolicyNote, locatedBy, geo) { Health = HealthText(question), Notes = context.PolicyTrace is { Count: > 0 } notes ? [.. notes] : [], Failure = context.PolicyFailure };
    }

    /// <summary>Unloads the compiled policies and closes the geo databases.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var database in _opened.Values)
            {
                database.Dispose();
            }

            _opened.Clear();
        }

        _owner.Dispose();
    }

    /// <summary>A clock that shows the stated time, or the real one.</summary>
    private sealed class StatedTime : TimeProvider
    {
        public DateTimeOffset? Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now ?? System.GetUtcNow();
    }
}
