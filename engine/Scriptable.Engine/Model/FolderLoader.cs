using Scriptable.Engine.Files;
using Scriptable.Engine.Geo;
using Scriptable.Engine.Health;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Model;

/// <summary>What one reload of a policies folder produced.</summary>
/// <param name="Zones">The zones to serve: those that loaded, plus the last good version of those that now fail.</param>
/// <param name="ZoneResult">The zone loader's report (errors as <c>file:line: reason</c>).</param>
/// <param name="KeptZones">Zones that failed to load and keep serving their previous version.</param>
/// <param name="Policies">The policy catalog's report and the set to serve.</param>
/// <param name="Geo">The geo databases' report and the set to serve.</param>
/// <param name="Health">The health checks to run: the folder's <c>health.yaml</c>, or the last good version of it when it now fails.</param>
/// <param name="HealthResult">What parsing <c>health.yaml</c> said (errors located as <c>health.yaml(line,col)</c>), or null without the file.</param>
public sealed record FolderReload(ZoneSet Zones, ZoneLoadResult ZoneResult, IReadOnlyList<Zone> KeptZones, PolicyReload Policies, GeoReload Geo, HealthConfig Health, HealthConfigResult? HealthResult);

/// <summary>
/// Loads a policies folder (zones, policies, geo databases, health checks) again and again, keeping the last good version of every
/// zone and policy that now fails: a bad edit never takes a name down. Not thread-safe: callers serialise
/// reloads (the server holds a lock; tests and <c>scriptable check</c> reload once).
/// </summary>
public sealed class FolderLoader : IDisposable
{
    private readonly PolicyCatalog _policies;
    private readonly GeoCatalog _geo;
    private readonly ZoneCache _zoneCache = new();
    private HealthConfig _health = HealthConfig.Empty;
    private Dictionary<string, Zone> _zonesByFolder = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates a loader for <paramref name="folder"/>; <paramref name="geoDatabases"/> are database files used
    /// before those of the folder's <c>_geo/</c>; <paramref name="folderOptions"/> are the operator's decisions
    /// about the folder (include folders, the server's own files, command checks). Every file of the folder is
    /// read through one <see cref="FolderBoundary"/>.
    /// </summary>
    public FolderLoader(string folder, PolicyOptions? policyOptions = null, IReadOnlyList<string>? geoDatabases = null, FolderOptions? folderOptions = null)
    {
        Folder = folder;
        Options = folderOptions ?? new FolderOptions();
        Boundary = Options.BoundaryOf(folder);
        _policies = new PolicyCatalog(folder, policyOptions ?? new PolicyOptions(), Boundary);
        _geo = new GeoCatalog(geoDatabases ?? [], folder, Boundary);
    }

    /// <summary>The policies folder.</summary>
    public string Folder { get; }

    /// <summary>The operator's decisions about the folder.</summary>
    public FolderOptions Options { get; }

    /// <summary>The folder rule every file of the folder is read through.</summary>
    public FolderBoundary Boundary { get; }

    /// <summary>The policy files and their versions.</summary>
    public PolicyCatalog Policies => _policies;

    /// <summary>The geo database files.</summary>
    public GeoCatalog Geo => _geo;

    /// <summary>
    /// Reads the folder: zones first (a zone whose files did not change is reused, unless
    /// <paramref name="force"/>), then the policies bound into them (recompiled only when changed), and the
    /// geo databases (opened again only when changed).
    /// </summary>
    public FolderReload Reload(bool force = false)
    {
        if (force)
        {
            _zoneCache.Clear();
        }

        var result = ZoneLoader.LoadDirectory(Folder, _zoneCache, Boundary.Snapshot());
        var byFolder = new Dictionary<string, Zone>(StringComparer.Ordinal);
        foreach (var zone in result.Zones)
        {
            byFolder[FolderKey(zone.Origin.ToString())] = zone;
        }

        var kept = new List<Zone>();
        foreach (var failed in result.Failed)
        {
            if (_zonesByFolder.TryGetValue(FolderKey(failed), out var previous))
            {
                byFolder[FolderKey(failed)] = previous;
                kept.Add(previous);
            }
        }

        _zonesByFolder = byFolder;
        var zones = new ZoneSet([.. byFolder.Values]);
        var policies = _policies.Reload(zones.Zones);
        var geo = _geo.Reload(force);
        var healthFile = Path.Combine(Folder, HealthConfig.FileName);
        HealthConfigResult? health = null;
        if (File.Exists(healthFile) || new FileInfo(healthFile).LinkTarget is not null)
        {
            health = HealthConfigParser.ParseFile(healthFile, healthFile, Options.CommandChecks, Boundary);
            if (!health.HasErrors && health.Config is not null)
            {
                _health = health.Config;
            }
        }
        else
        {
            _health = HealthConfig.Empty;
        }

        return new FolderReload(zones, result, kept, policies, geo, _health, health);
    }

    /// <summary>
    /// Unloads every policy version and closes every geo database still loaded (replaced ones are released by
    /// whoever published the reload).
    /// </summary>
    public void Dispose()
    {
        foreach (var version in _policies.Versions)
        {
            version.Unload();
        }

        _geo.Dispose();
    }

    private static string FolderKey(string name) => name.TrimEnd('.').ToLowerInvariant();
}
