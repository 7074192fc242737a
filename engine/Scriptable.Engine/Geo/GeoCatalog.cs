using Scriptable.Engine.Files;

namespace Scriptable.Engine.Geo;

/// <summary>What happened to one database file in a reload.</summary>
/// <param name="Path">The file.</param>
/// <param name="Kind">Loaded, unchanged, kept (the new file is bad: the old one serves), failed, removed.</param>
/// <param name="Database">The database now serving from this file, if any.</param>
/// <param name="Error">Why the file could not be used, if it could not.</param>
public sealed record GeoChange(string Path, GeoChangeKind Kind, GeoDatabase? Database, string? Error);

/// <summary>The outcome of a database file in a reload.</summary>
public enum GeoChangeKind
{
    /// <summary>The file did not change.</summary>
    Unchanged,

    /// <summary>A new version of the file loaded.</summary>
    Loaded,

    /// <summary>The file changed but cannot be read (corrupt, truncated, gone): the previous version serves.</summary>
    Kept,

    /// <summary>The file cannot be read and no version of it ever loaded.</summary>
    Failed,

    /// <summary>The file is no longer configured or no longer in <c>_geo/</c>.</summary>
    Removed,
}

/// <summary>The databases of a reload, and the ones to dispose once no query can use them.</summary>
/// <param name="Databases">The set to publish.</param>
/// <param name="Changes">One entry per file.</param>
/// <param name="Retired">Replaced or removed databases: dispose them after a grace period.</param>
public sealed record GeoReload(GeoDatabaseSet Databases, IReadOnlyList<GeoChange> Changes, IReadOnlyList<GeoDatabase> Retired);

/// <summary>
/// The geo database files a server uses, across reloads: the configured paths, in order, then every
/// <c>*.mmdb</c> of the policies folder's <c>_geo/</c> folder, by name. A file is opened again only when its
/// size or time changed; a file that changed into something unreadable keeps its previous version serving
/// (and says why). Not thread-safe: reloads are serialised by the owner.
/// </summary>
public sealed class GeoCatalog : IDisposable
{
    /// <summary>The folder of a policies folder whose databases are used without configuration.</summary>
    public const string FolderName = "_geo";

    private readonly IReadOnlyList<string> _configured;
    private readonly string? _policies;
    private readonly FolderBoundary? _boundary;
    private readonly Dictionary<string, (string Stamp, GeoDatabase Database)> _loaded = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates a catalog for configured files and, if given, a policies folder's <c>_geo/</c>. The files of
    /// <c>_geo/</c> are read through <paramref name="boundary"/>, the folder rule (default: the rule for
    /// <paramref name="policiesFolder"/>): a link out of the folder is refused. Configured files may be anywhere
    /// (the operator named them), but must be regular files.
    /// </summary>
    public GeoCatalog(IReadOnlyList<string> configured, string? policiesFolder, FolderBoundary? boundary = null)
    {
        _configured = configured;
        _policies = policiesFolder;
        _boundary = boundary ?? (policiesFolder is null ? null : new FolderBoundary(policiesFolder));
    }

    /// <summary>Every file the catalog reads now: the configured ones and those in <c>_geo/</c>.</summary>
    public IReadOnlyList<string> Files()
    {
        var files = new List<string>(_configured);
        var folder = _policies is null ? null : Path.Combine(_policies, FolderName);
        if (folder is not null && Directory.Exists(folder))
        {
            files.AddRange(Directory.EnumerateFiles(folder, "*.mmdb").Order(StringComparer.Ordinal));
        }

        return files;
    }

    /// <summary>Opens what changed and returns the set to publish.</summary>
    public GeoReload Reload(bool force = false)
    {
        var changes = new List<GeoChange>();
        var retired = new List<GeoDatabase>();
        var databases = new List<GeoDatabase>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Files())
        {
            if (!seen.Add(file))
            {
                continue;
            }

            var previous = _loaded.TryGetValue(file, out var entry) ? entry.Database : null;
            var stamp = Stamp(file);
            if (previous is not null && stamp == entry.Stamp && !force)
            {
                databases.Add(previous);
                changes.Add(new GeoChange(file, GeoChangeKind.Unchanged, previous, null));
                continue;
            }

            try
            {
                if (stamp is null)
                {
                    throw new FileNotFoundException("the file does not exist");
                }

                GeoDatabase database;
                // A configured file is the operator's; one found in _geo/ is the folder's data, under the folder rule.
                var inFolder = _boundary is not null && !_configured.Contains(file);
                using (var source = inFolder ? _boundary!.OpenRead(file, long.MaxValue) : FolderBoundary.OpenOperatorFile(file))
                {
                    database = GeoDatabase.Open(file, source);
                }

                _loaded[file] = (stamp, database);
                databases.Add(database);
                if (previous is not null)
                {
                    retired.Add(previous);
                }

                changes.Add(new GeoChange(file, GeoChangeKind.Loaded, database, null));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                var reason = ex is InvalidDataException or FileRefusedException ? ex.Message : $"'{file}': {ex.Message}";
                if (previous is not null)
                {
                    databases.Add(previous);
                    changes.Add(new GeoChange(file, GeoChangeKind.Kept, previous, reason));
                }
                else
                {
                    changes.Add(new GeoChange(file, GeoChangeKind.Failed, null, reason));
                }
            }
        }

        foreach (var file in _loaded.Keys.Where(f => !seen.Contains(f)).ToList())
        {
            retired.Add(_loaded[file].Database);
            _loaded.Remove(file);
            changes.Add(new GeoChange(file, GeoChangeKind.Removed, null, null));
        }

        if (databases.Count > GeoDatabaseSet.MaxDatabases)
        {
            changes.Add(new GeoChange(databases[GeoDatabaseSet.MaxDatabases].Path, GeoChangeKind.Failed, null,
                $"only the first {GeoDatabaseSet.MaxDatabases} databases are used"));
            databases.RemoveRange(GeoDatabaseSet.MaxDatabases, databases.Count - GeoDatabaseSet.MaxDatabases);
        }

        return new GeoReload(new GeoDatabaseSet(databases), changes, retired);
    }

    /// <summary>Size and modification time, or null if the file does not exist.</summary>
    private static string? Stamp(string file)
    {
        var info = new FileInfo(file);
        return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : null;
    }

    /// <summary>Disposes every database still loaded.</summary>
    public void Dispose()
    {
        foreach (var (_, database) in _loaded.Values)
        {
            database.Dispose();
        }

        _loaded.Clear();
    }
}
