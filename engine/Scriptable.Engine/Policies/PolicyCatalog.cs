using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.FileSystemGlobbing;
using Scriptable.Engine.Policies.Compilation;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Policies;

/// <summary>What happened to one policy file in a reload.</summary>
/// <param name="File">The file, as shown to users.</param>
/// <param name="Names">The names it serves.</param>
/// <param name="Kind">Loaded, kept (failed, the previous version serves), not served, removed, unchanged.</param>
/// <param name="Version">The version now serving, if any.</param>
/// <param name="Diagnostics">Errors and warnings of this reload.</param>
/// <param name="Fallback">What its names answer when it cannot.</param>
public sealed record PolicyChange(string File, IReadOnlyList<string> Names, PolicyChangeKind Kind, PolicyVersion? Version, IReadOnlyList<PolicyDiagnostic> Diagnostics, PolicyFallback Fallback);

/// <summary>One policy file as of the last reload, for status pages.</summary>
/// <param name="File">The file.</param>
/// <param name="Names">The names it serves.</param>
/// <param name="Version">The version serving, or null if it never compiled.</param>
/// <param name="Settings">Its fallback and budget.</param>
/// <param name="Diagnostics">The errors and warnings of its last compile.</param>
/// <param name="Stats">Its counters.</param>
public sealed record PolicyFileStatus(string File, IReadOnlyList<string> Names, PolicyVersion? Version, PolicySettings Settings, IReadOnlyList<PolicyDiagnostic> Diagnostics, PolicyStats Stats);

/// <summary>The outcome of a policy file in a reload.</summary>
public enum PolicyChangeKind
{
    /// <summary>Same content as before: the loaded version keeps serving.</summary>
    Unchanged,

    /// <summary>A new version loaded and serves.</summary>
    Loaded,

    /// <summary>The new content failed; the previous version keeps serving.</summary>
    Kept,

    /// <summary>The file failed and no version of it ever loaded: its names answer the fallback.</summary>
    Failed,

    /// <summary>The file is gone (or no longer matches the globs): its names are no longer served by it.</summary>
    Removed,
}

/// <summary>The policies of a reload, and the versions to unload once it is published.</summary>
/// <param name="Policies">The set to publish.</param>
/// <param name="Changes">One entry per policy file (and one per removed file).</param>
/// <param name="Warnings">Problems not tied to one policy's code (files outside zone folders, name clashes).</param>
/// <param name="Retired">Versions replaced or removed: unload them after publishing.</param>
public sealed record PolicyReload(PolicySet Policies, IReadOnlyList<PolicyChange> Changes, IReadOnlyList<PolicyDiagnostic> Warnings, IReadOnlyList<PolicyVersion> Retired)
{
    /// <summary>True if some policy failed to compile or load in this reload.</summary>
    public bool HasErrors => Changes.Any(c => c.Kind is PolicyChangeKind.Kept or PolicyChangeKind.Failed);
}

/// <summary>
/// The policy files of one policies folder and their loaded versions, across reloads. A reload finds the
/// files (globs), recompiles only those whose content (or a <c>#load</c>ed helper's) changed, keeps the last
/// good version of a file whose new content fails, and binds every file's names. Not thread-safe: the
/// owner serialises reloads; the result is immutable and published in a snapshot.
/// </summary>
public sealed class PolicyCatalog
{
    private readonly string _root;
    private readonly PolicyOptions _options;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Creates an empty catalog for the folder <paramref name="root"/> (a path as the user gave it).</summary>
    public PolicyCatalog(string root, PolicyOptions options)
    {
        _root = root;
        _options = options;
    }

    /// <summary>Rescans the folder and compiles what changed, binding names in <paramref name="zones"/>.</summary>
    public PolicyReload Reload(IReadOnlyCollection<Zone> zones)
    {
        var warnings = new List<PolicyDiagnostic>();
        var changes = new List<PolicyChange>();
        var retired = new List<PolicyVersion>();
        var files = FindFiles(warnings);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        // Compile what changed, in parallel (the first compile in a process is the slow one).
        var work = new List<(Entry Entry, string Text, string Hash)>();
        foreach (var (file, zoneFolder, label) in files)
        {
            seen.Add(file);
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Being replaced (editors rename over the file), or unreadable: the next scan retries.
                if (_entries.TryGetValue(file, out var kept))
                {
                    kept.Diagnostics = [PolicyDiagnostic.Error(file, 0, 0, "SCR0120", "cannot read the file: " + ex.Message)];
                }

                continue;
            }

            if (!_entries.TryGetValue(file, out var entry))
            {
                entry = new Entry(file, zoneFolder, label, _options.Defaults);
                _entries[file] = entry;
            }

            var hash = Hash(text, entry.Helpers);
            if (hash != entry.Hash)
            {
                work.Add((entry, text, hash));
            }
        }

        var compiled = new CompiledPolicy?[work.Count];
        Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) },
            i => compiled[i] = PolicyCompiler.Compile(work[i].Entry.File, work[i].Text, _root, ReadHelper));

        var zonesByFolder = new Dictionary<string, Zone>(StringComparer.OrdinalIgnoreCase);
        foreach (var zone in zones)
        {
            zonesByFolder[zone.Origin.ToString().TrimEnd('.')] = zone;
        }

        for (var i = 0; i < work.Count; i++)
        {
            var (entry, text, hash) = work[i];
            var result = compiled[i]!;
            var diagnostics = new List<PolicyDiagnostic>();
            var directives = PolicyDirectives.Parse(text, entry.File, _options.Defaults, diagnostics);
            diagnostics.AddRange(result.Diagnostics);
            entry.Settings = directives.Settings;
            entry.ExtraNames = directives.Names;
            entry.Helpers = [.. result.Helpers.Select(h => h.Path)];
            entry.Hash = entry.Helpers.Count == 0 ? hash : Hash(text, entry.Helpers);
            PolicyVersion? version = null;
            if (result.Succeeded && !diagnostics.Exists(d => d.IsError))
            {
                var origin = zonesByFolder.TryGetValue(entry.ZoneFolder, out var zone) ? zone.Origin : OriginOf(entry.ZoneFolder);
                version = PolicyVersion.Load(result, entry.File, entry.NextRevision, entry.Hash, directives.Settings, origin ?? DnsName.Root, diagnostics);
            }

            entry.Diagnostics = diagnostics;
            if (version is not null)
            {
                entry.NextRevision++;
                if (entry.Version is { } previous)
                {
                    retired.Add(previous);
                    entry.Stats.CountReload();
                }

                entry.Version = version;
                entry.LastChange = PolicyChangeKind.Loaded;
            }
            else
            {
                entry.Stats.CountCompileFailure();
                entry.LastChange = entry.Version is null ? PolicyChangeKind.Failed : PolicyChangeKind.Kept;
            }
        }

        foreach (var file in _entries.Keys.Where(f => !seen.Contains(f)).ToList())
        {
            var gone = _entries[file];
            _entries.Remove(file);
            if (gone.Version is not null)
            {
                retired.Add(gone.Version);
            }

            changes.Add(new PolicyChange(file, [], PolicyChangeKind.Removed, null, [], gone.Settings.Fallback));
        }

        var bindings = new List<PolicyBinding>();
        var owners = new Dictionary<DnsName, string>();
        var changed = new HashSet<Entry>(work.Select(w => w.Entry));
        var ordered = _entries.Values.OrderBy(e => e.File, StringComparer.Ordinal).ToList();
        var served = ordered.ToDictionary(e => e, _ => new List<string>());

        // A file's own name (www.csx: www) is bound before any names= directive can claim it.
        foreach (var ownNames in (ReadOnlySpan<bool>)[true, false])
        {
            foreach (var entry in ordered)
            {
                if (!zonesByFolder.TryGetValue(entry.ZoneFolder, out var zone))
                {
                    if (ownNames)
                    {
                        warnings.Add(new PolicyDiagnostic(entry.File, 0, 0, false, "SCR0121", $"not served: the zone '{entry.ZoneFolder}' is not loaded."));
                    }

                    continue;
                }

                foreach (var owner in Owners(entry, zone.Origin, ownNames, warnings))
                {
                    if (BelowCut(zone, owner) is { } cut)
                    {
                        warnings.Add(new PolicyDiagnostic(entry.File, 0, 0, false, "SCR0122", $"'{owner}' is not served: it is at or below the delegation '{cut}', whose data is the child zone's."));
                        continue;
                    }

                    if (!owners.TryAdd(owner, entry.File))
                    {
                        warnings.Add(PolicyDiagnostic.Error(entry.File, 0, 0, "SCR0123", $"'{owner}' is already served by '{owners[owner]}'; this file does not serve it."));
                        continue;
                    }

                    served[entry].Add(owner.ToString());
                    bindings.Add(new PolicyBinding(owner, zone.Origin, entry.File, entry.Version, entry.Version?.Settings ?? entry.Settings, entry.Stats));
                }
            }
        }

        foreach (var entry in ordered)
        {
            var kind = changed.Contains(entry) ? entry.LastChange : PolicyChangeKind.Unchanged;
            changes.Add(new PolicyChange(entry.File, served[entry], kind, entry.Version, changed.Contains(entry) ? entry.Diagnostics : [], (entry.Version?.Settings ?? entry.Settings).Fallback));
        }

        Stats = [.. _entries.Values.Select(e => e.Stats)];
        Files = [.. ordered.Select(e => new PolicyFileStatus(e.File, served[e], e.Version, e.Version?.Settings ?? e.Settings, e.Diagnostics, e.Stats))];
        return new PolicyReload(new PolicySet(bindings), changes, warnings, retired);
    }

    /// <summary>Every policy file as of the last reload: what it serves, its version, its last diagnostics (safe to read from any thread).</summary>
    public IReadOnlyList<PolicyFileStatus> Files { get; private set; } = [];

    /// <summary>The counters of every policy file, as of the last reload (safe to read from any thread).</summary>
    public IReadOnlyList<PolicyStats> Stats { get; private set; } = [];

    /// <summary>Every loaded version (for shutdown, and for the status endpoint).</summary>
    public IEnumerable<PolicyVersion> Versions => _entries.Values.Select(e => e.Version).OfType<PolicyVersion>();

    /// <summary>The last errors and warnings of every file, for <c>scriptable check</c> and the status endpoint.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<PolicyDiagnostic>> Diagnostics =>
        _entries.Values.ToDictionary(e => e.File, e => e.Diagnostics, StringComparer.Ordinal);

    /// <summary>The policy files the globs select: (file, zone folder name, file label).</summary>
    private List<(string File, string ZoneFolder, string Label)> FindFiles(List<PolicyDiagnostic> warnings)
    {
        var result = new List<(string, string, string)>();
        if (!Directory.Exists(_root))
        {
            return result;
        }

        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddIncludePatterns(_options.Include);
        matcher.AddExcludePatterns(_options.Exclude);
        foreach (var relative in matcher.GetResultsInFullPath(_root).Select(p => Path.GetRelativePath(_root, p)).Order(StringComparer.Ordinal))
        {
            var file = Path.Combine(_root, relative);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (!relative.EndsWith(".csx", StringComparison.Ordinal))
            {
                continue;
            }

            if (parts.Length != 2 || parts[0].StartsWith('_') || parts[0].StartsWith('.'))
            {
                warnings.Add(new PolicyDiagnostic(file, 0, 0, false, "SCR0124",
                    "not served: a policy lives directly in a zone folder (policies/<zone>/<name>.csx); helpers for #load start with '_'."));
                continue;
            }

            result.Add((file, parts[0], Path.GetFileNameWithoutExtension(parts[1])));
        }

        return result;
    }

    /// <summary>
    /// The names a file serves: its own (<c>www.csx</c>: www; <c>@</c> is the apex) when
    /// <paramref name="own"/>, else those of its <c>names=</c> directive.
    /// </summary>
    private static List<DnsName> Owners(Entry entry, DnsName origin, bool own, List<PolicyDiagnostic> warnings)
    {
        var owners = new List<DnsName>();
        foreach (var label in own ? [entry.Label] : entry.ExtraNames)
        {
            if (!DnsName.TryParse(label, origin, out var name, out var error) || !name.IsSubdomainOf(origin))
            {
                warnings.Add(PolicyDiagnostic.Error(entry.File, 0, 0, "SCR0125", $"'{label}' is not a name in zone '{origin}': {error ?? "outside the zone"}."));
                continue;
            }

            if (!owners.Contains(name))
            {
                owners.Add(name);
            }
        }

        return owners;
    }

    /// <summary>The delegation at or above <paramref name="name"/>, if its data belongs to a child zone.</summary>
    private static DnsName? BelowCut(Zone zone, DnsName name)
    {
        for (var n = name.IsWildcard ? name.Parent : name; n.LabelCount >= zone.Origin.LabelCount; n = n.Parent)
        {
            if (zone.Find(n) is { } node)
            {
                return node.Cut?.Name;
            }

            if (n.LabelCount == zone.Origin.LabelCount)
            {
                break;
            }
        }

        return null;
    }

    private static DnsName? OriginOf(string folder) => DnsName.TryParse(folder.TrimEnd('.') + ".", null, out var name, out _) ? name : null;

    private static string? ReadHelper(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>SHA-256 over the policy's text and its helpers' (so a helper's change recompiles its users).</summary>
    private static string Hash(string text, IReadOnlyList<string> helpers)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(text));
        foreach (var helper in helpers)
        {
            hash.AppendData(Encoding.UTF8.GetBytes("\0" + helper + "\0" + (ReadHelper(helper) ?? "")));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed class Entry(string file, string zoneFolder, string label, PolicySettings settings)
    {
        public string File { get; } = file;

        public string ZoneFolder { get; } = zoneFolder;

        public string Label { get; } = label;

        public string Hash { get; set; } = "";

        public IReadOnlyList<string> Helpers { get; set; } = [];

        public IReadOnlyList<string> ExtraNames { get; set; } = [];

        public PolicySettings Settings { get; set; } = settings;

        public PolicyVersion? Version { get; set; }

        public int NextRevision { get; set; } = 1;

        public PolicyChangeKind LastChange { get; set; }

        public IReadOnlyList<PolicyDiagnostic> Diagnostics { get; set; } = [];

        /// <summary>Named like the policy's own name (<c>www.example.com</c>), the metrics tag.</summary>
        public PolicyStats Stats { get; } = new(label == "@" ? zoneFolder : label + "." + zoneFolder);
    }
}
