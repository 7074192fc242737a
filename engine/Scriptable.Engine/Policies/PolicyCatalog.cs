using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.FileSystemGlobbing;
using Scriptable.Engine.Containment;
using Scriptable.Engine.Files;
using Scriptable.Engine.Policies.Compilation;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Trial;
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
    /// <summary>The largest policy or helper file read (1 MiB).</summary>
    public const long MaxFileBytes = 1L << 20;

    private readonly string _root;
    private readonly PolicyOptions _options;
    private readonly FolderBoundary _boundary;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates an empty catalog for the folder <paramref name="root"/> (a path as the user gave it). Policies and
    /// helpers are read through <paramref name="boundary"/>, the folder rule (default: the rule for <paramref name="root"/>).
    /// </summary>
    public PolicyCatalog(string root, PolicyOptions options, FolderBoundary? boundary = null)
    {
        _root = root;
        _options = options;
        _boundary = boundary ?? new FolderBoundary(root);
    }

    /// <summary>
    /// Containment's hook (Containment/README.md): quarantined versions are not loaded (a stored earlier version or
    /// the fallback serves instead), loads are journaled, and versions that load are kept as last good. Null: none.
    /// </summary>
    internal IPolicyContainment? Containment { get; set; }

    /// <summary>Rescans the folder and compiles what changed, binding names in <paramref name="zones"/>.</summary>
    public PolicyReload Reload(IReadOnlyCollection<Zone> zones)
    {
        var warnings = new List<PolicyDiagnostic>();
        var sources = new List<PolicySource>();
        foreach (var (file, zoneFolder, label) in FindFiles(warnings))
        {
            string? text;
            try
            {
                text = _boundary.ReadText(file, MaxFileBytes);
            }
            catch (FileRefusedException ex)
            {
                sources.Add(new PolicySource(file, zoneFolder, label, null, ex.Reason));
                continue;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Being replaced (editors rename over the file), or unreadable: the next scan retries.
                if (_entries.TryGetValue(file, out var kept))
                {
                    kept.Diagnostics = [PolicyDiagnostic.Error(file, 0, 0, "SCR0120", "cannot read the file: " + ex.Message)];
                }

                text = null;
            }

            sources.Add(new PolicySource(file, zoneFolder, label, text));
        }

        return Reload(zones, sources, warnings);
    }

    /// <summary>
    /// Puts a version that serves elsewhere into this catalog without compiling it (a trial process loads the
    /// versions serving beside the one it tries). Returns the load's diagnostics when it does not load.
    /// </summary>
    internal IReadOnlyList<PolicyDiagnostic> Seed(PolicySource source, string hash, CompiledPolicy compiled, PolicySettings settings, IReadOnlyList<string> extraNames, IReadOnlyList<string> helpers)
    {
        var diagnostics = new List<PolicyDiagnostic>();
        var entry = new Entry(source.File, source.ZoneFolder, source.Label, settings) { Hash = hash, ExtraNames = extraNames, Helpers = helpers };
        var origin = OriginOf(source.ZoneFolder) ?? DnsName.Root;
        entry.Version = PolicyVersion.Load(compiled, source.File, entry.NextRevision++, hash, settings, origin, diagnostics);
        _entries[source.File] = entry;
        return diagnostics;
    }

    /// <summary>
    /// Reloads from the given files: those with text compile when their content changed; those without text
    /// (unreadable now, or seeded) keep their version.
    /// </summary>
    internal PolicyReload Reload(IReadOnlyCollection<Zone> zones, IReadOnlyList<PolicySource> sources, List<PolicyDiagnostic>? warnings = null)
    {
        warnings ??= [];
        var changes = new List<PolicyChange>();
        var retired = new List<PolicyVersion>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        // Compile what changed (the first compile in a process is the slow one).
        var work = new List<(Entry Entry, string Text, string Hash)>();
        var refused = new List<Entry>();
        foreach (var (file, zoneFolder, label, text, refusal) in sources)
        {
            seen.Add(file);
            if (!_entries.TryGetValue(file, out var entry))
            {
                entry = new Entry(file, zoneFolder, label, _options.Defaults);
                _entries[file] = entry;
            }

            if (refusal is not null)
            {
                // Not read (a link out of the folder, not a regular file...): an error like a compile error, so the
                // previous version (if any) keeps serving; the reason only, never the content.
                if (entry.Hash != "refused:" + refusal)
                {
                    entry.Hash = "refused:" + refusal;
                    entry.Diagnostics = [PolicyDiagnostic.Error(file, 0, 0, "SCR0126", $"not read: {refusal}.")];
                    entry.Stats.CountCompileFailure();
                    entry.LastChange = entry.Version is null ? PolicyChangeKind.Failed : PolicyChangeKind.Kept;
                    refused.Add(entry);
                }

                continue;
            }

            if (text is null)
            {
                continue;
            }

            var hash = Hash(text, entry.Helpers, file);
            if (hash != entry.Hash || (entry.Substituted && Containment?.IsQuarantined(entry.File, hash) == false))
            {
                work.Add((entry, text, hash));
            }
        }

        // Containment (Containment/README.md) recognises some contents before they are compiled: a quarantined one is
        // neither compiled nor tried again (what serves instead loads), and one the last-good store holds loads from
        // its stored bytes (it passed its trial when it went live). The rest is compiled, and tried.
        var known = new KnownContent?[work.Count];
        var pending = new List<(Entry Entry, string Text, string Hash)>();
        for (var i = 0; i < work.Count; i++)
        {
            var (entry, text, _) = work[i];
            known[i] = Containment?.Recognise(entry.File, helpers => Hash(text, helpers, entry.File));
            if (known[i] is null)
            {
                pending.Add(work[i]);
            }
        }

        var fresh = CompileAll(pending, [.. work.Select(w => w.Entry)]);
        var compiled = new CompiledPolicy?[work.Count];
        for (int i = 0, next = 0; i < work.Count; i++)
        {
            compiled[i] = known[i] is null ? fresh[next++] : null;
        }

        // Refused files join the changes (their diagnostics, their version kept) without being compiled.
        work.AddRange(refused.Select(e => (e, "", e.Hash)));

        var zonesByFolder = new Dictionary<string, Zone>(StringComparer.OrdinalIgnoreCase);
        foreach (var zone in zones)
        {
            zonesByFolder[zone.Origin.ToString().TrimEnd('.')] = zone;
        }

        for (var i = 0; i < compiled.Length; i++)
        {
            var (entry, text, hash) = work[i];
            var diagnostics = new List<PolicyDiagnostic>();
            var directives = PolicyDirectives.Parse(text, entry.File, _options.Defaults, diagnostics);
            entry.Settings = directives.Settings;
            entry.ExtraNames = directives.Names;
            entry.Substituted = false;
            var origin = (zonesByFolder.TryGetValue(entry.ZoneFolder, out var zone) ? zone.Origin : OriginOf(entry.ZoneFolder)) ?? DnsName.Root;
            PolicyVersion? version = null;
            if (known[i] is { } content)
            {
                entry.Helpers = content.Helpers;
                entry.Hash = content.Hash;
                version = Serve(entry, content.Serve, origin, diagnostics);
            }
            else
            {
                var result = compiled[i]!;
                diagnostics.AddRange(result.Diagnostics);
                entry.Helpers = [.. result.Helpers.Select(h => h.Path)];
                entry.Hash = entry.Helpers.Count == 0 ? hash : Hash(text, entry.Helpers, entry.File);
                if (result.Succeeded && !diagnostics.Exists(d => d.IsError))
                {
                    // Quarantined (its helpers were not known before it compiled): not loaded; what serves instead does.
                    version = Containment?.Substitute(entry.File, entry.Hash) is { } substitute
                        ? Serve(entry, substitute, origin, diagnostics)
                        : Load(result, entry, entry.Hash, directives.Settings, origin, diagnostics, text);
                }

                // At a start (nothing of this file serves yet), a new content that fails (saved while the server was
                // down, or on another node) does not take its names to the fallback when a good version is stored.
                if (version is null && entry.Version is null && !entry.Substituted && Containment?.Previous(entry.File, entry.Hash) is { } previous)
                {
                    version = Serve(entry, previous, origin, diagnostics);
                    entry.Substituted = false;
                    entry.ExtraNames = PolicyDirectives.Parse(previous.Text!, entry.File, _options.Defaults, []).Names;
                }
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
                if (!entry.Substituted)
                {
                    entry.Stats.CountCompileFailure();
                }

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

    /// <summary>
    /// Loads what containment serves for a file's content: a quarantined content's stand-in (a stored earlier
    /// version, or nothing: the fallback), or the content itself from the last-good store.
    /// </summary>
    private PolicyVersion? Serve(Entry entry, PolicySubstitute substitute, DnsName origin, List<PolicyDiagnostic> diagnostics)
    {
        if (substitute.Reason is { } reason)
        {
            entry.Substituted = true;
            diagnostics.Add(reason);
        }

        if (substitute.Compiled is not { } stored)
        {
            return null;
        }

        var settings = PolicyDirectives.Parse(substitute.Text!, entry.File, _options.Defaults, []).Settings;
        return Load(stored, entry, substitute.Hash!, settings, origin, diagnostics, null);
    }

    /// <summary>
    /// Loads a compiled version, with containment's journal entry around it (its static fields run here). With
    /// <paramref name="text"/> (compiled from the file, not loaded from the store) it is kept as the file's last good version.
    /// </summary>
    private PolicyVersion? Load(CompiledPolicy compiled, Entry entry, string hash, PolicySettings settings, DnsName origin, List<PolicyDiagnostic> diagnostics, string? text)
    {
        var id = Containment?.BeginLoad(entry.File, hash, entry.NextRevision) ?? 0;
        PolicyVersion? version = null;
        try
        {
            version = PolicyVersion.Load(compiled, entry.File, entry.NextRevision, hash, settings, origin, diagnostics,
                settings.Isolation == Isolation.PolicyIsolation.Process ? _options.Workers : null);
        }
        finally
        {
            Containment?.EndLoad(id, version, entry.Stats, text, text is null ? null : Content(FixtureFile(entry.File)));
        }

        return version;
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

        // The folder rule's walk (links to folders followed inside only, each folder once), not the globber's own,
        // which follows every link, loops included.
        var candidates = _boundary.EnumerateFiles(_root).Select(p => Path.GetRelativePath(_root, p));
        foreach (var relative in matcher.Match(candidates).Files.Select(f => f.Path.Replace('/', Path.DirectorySeparatorChar)).Order(StringComparer.Ordinal))
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

    /// <summary>A helper's text through the folder rule; null if it does not exist. A refused helper throws <see cref="FileRefusedException"/>.</summary>
    private string? ReadHelper(string path)
    {
        try
        {
            return _boundary.ReadText(path, MaxFileBytes);
        }
        catch (Exception ex) when (ex is not FileRefusedException && ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Compiles the changed files: in a trial (compiled and tried in a disposable process, which answers with
    /// the assemblies of the versions that passed) when one is configured, else here, in parallel.
    /// </summary>
    private CompiledPolicy[] CompileAll(List<(Entry Entry, string Text, string Hash)> work, HashSet<Entry> changed)
    {
        if (work.Count == 0)
        {
            return [];
        }

        if (_options.Trial is { } trial)
        {
            // Files changing in this reload are not seeded with the version they are leaving.
            var live = new List<TrialSeed>();
            foreach (var entry in _entries.Values)
            {
                if (entry.Version is { } version && !changed.Contains(entry))
                {
                    live.Add(new TrialSeed(new PolicySource(entry.File, entry.ZoneFolder, entry.Label, null), entry.Hash, version.Compiled, version.Settings, entry.ExtraNames, entry.Helpers));
                }
            }

            return [.. trial.Try(new TrialBatch(_root, _options, [.. work.Select(w => new PolicySource(w.Entry.File, w.Entry.ZoneFolder, w.Entry.Label, w.Text))], live))];
        }

        using (TrialProgress.Step(work[0].Entry.File, "loading the compiler", TimeSpan.FromMinutes(2)))
        {
            PolicyCompiler.WarmUp();
        }

        var compiled = new CompiledPolicy[work.Count];
        var limits = _options.TrialSettings;

        // In a watched process (a trial, the child of scriptable check), one at a time with the timeout in CPU
        // time: a busy machine does not fail a compile, and the watcher knows which file it was working on.
        var watched = TrialProgress.IsWatched;
        Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = watched ? 1 : Math.Max(1, Environment.ProcessorCount) }, i =>
        {
            var file = work[i].Entry.File;
            // The compiler stops itself at the timeout; the watcher's deadline (when a process watches this one) is a backstop.
            using (TrialProgress.Step(file, "compiling", TrialSettings.CompileDeadline(limits.CompileTimeout)))
            {
                compiled[i] = PolicyCompiler.Compile(file, work[i].Text, _root, ReadHelper, limits.MaxSourceKilobytes * 1024, limits.CompileTimeout, cpuTime: watched);
            }
        });
        return compiled;
    }

    /// <summary>
    /// SHA-256 over the policy's text, its helpers' (so a helper's change recompiles its users) and its fixture
    /// file's (so new cases try the version again).
    /// </summary>
    private string Hash(string text, IReadOnlyList<string> helpers, string file) =>
        ContentHash(text, Content(FixtureFile(file)), helpers.Select(h => (h, Content(h))));

    /// <summary>
    /// The content hash of a policy's text, its fixture file's content and its helpers (path, text), as a version
    /// records it (the last-good store checks a stored source with it).
    /// </summary>
    internal static string ContentHash(string text, string fixtures, IEnumerable<(string Path, string Text)> helpers)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(text));
        hash.AppendData(Encoding.UTF8.GetBytes("\0" + fixtures));
        foreach (var (path, helperText) in helpers)
        {
            hash.AppendData(Encoding.UTF8.GetBytes("\0" + path + "\0" + helperText));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The fixture file beside a policy (<c>www.csx</c>: <c>www.fixtures.yaml</c>).</summary>
    private static string FixtureFile(string file) => file[..^".csx".Length] + Fixtures.FixtureFile.Suffix;

    /// <summary>A helper's or fixture file's content as the content hash covers it: empty when missing, the reason when refused.</summary>
    private string Content(string path)
    {
        try
        {
            return ReadHelper(path) ?? "";
        }
        catch (FileRefusedException ex)
        {
            return "\0refused\0" + ex.Reason;
        }
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

        /// <summary>True while its content is quarantined (a stored version or the fallback serves): a release reloads it.</summary>
        public bool Substituted { get; set; }

        public IReadOnlyList<PolicyDiagnostic> Diagnostics { get; set; } = [];

        /// <summary>Named like the policy's own name (<c>www.example.com</c>), the metrics tag.</summary>
        public PolicyStats Stats { get; } = new(label == "@" ? zoneFolder : label + "." + zoneFolder);
    }
}
