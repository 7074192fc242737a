using Scriptable.Engine.Files;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones.MasterFile;

namespace Scriptable.Engine.Zones;

/// <summary>The zones read from a policies folder, and what went wrong with the others.</summary>
/// <param name="Zones">Zones that loaded.</param>
/// <param name="Failed">Origins (folder names) of zones that did not load.</param>
/// <param name="Errors">Every error, as <c>file:line: reason</c>.</param>
/// <param name="Warnings">Problems that did not prevent loading.</param>
/// <param name="Unchanged">Zones of <paramref name="Zones"/> reused from the cache: their files did not change.</param>
public sealed record ZoneLoadResult(IReadOnlyList<Zone> Zones, IReadOnlyList<string> Failed, IReadOnlyList<ZoneDiagnostic> Errors, IReadOnlyList<ZoneDiagnostic> Warnings, IReadOnlyList<Zone>? Unchanged = null);

/// <summary>
/// Reads a policies folder: every sub-folder named after a zone origin holds <c>&lt;origin&gt;.zone</c>, an
/// RFC 1035 master file. A zone that fails to load is reported and left out; the others load.
/// Folders starting with <c>_</c> or <c>.</c> are not zones (shared helpers, drafts, VCS data).
/// </summary>
public static class ZoneLoader
{
    /// <summary>The extension of a zone's master file.</summary>
    public const string ZoneFileExtension = ".zone";

    /// <summary>
    /// Loads every zone under <paramref name="policiesDirectory"/>. With a <paramref name="cache"/>, a zone
    /// whose folder's files (policies aside) kept their names, sizes and times is reused, not parsed again:
    /// saving a policy does not re-read a large zone.
    /// </summary>
    /// <remarks>Every file is read through <paramref name="boundary"/> (default: the rule for <paramref name="policiesDirectory"/>).</remarks>
    public static ZoneLoadResult LoadDirectory(string policiesDirectory, ZoneCache? cache = null, FolderBoundary? boundary = null)
    {
        boundary ??= new FolderBoundary(policiesDirectory);
        var unchanged = new List<Zone>();
        var zones = new List<Zone>();
        var failed = new List<string>();
        var errors = new List<ZoneDiagnostic>();
        var warnings = new List<ZoneDiagnostic>();
        if (!Directory.Exists(policiesDirectory))
        {
            errors.Add(new(policiesDirectory, 0, "policies folder does not exist"));
            return new(zones, failed, errors, warnings);
        }

        foreach (var folder in Directory.EnumerateDirectories(policiesDirectory).Order(StringComparer.Ordinal))
        {
            var folderName = Path.GetFileName(folder);
            if (folderName.StartsWith('_') || folderName.StartsWith('.'))
            {
                continue;
            }

            var fingerprint = cache is null ? null : ZoneCache.Fingerprint(folder, boundary);
            if (cache?.Find(folder, fingerprint!) is { } cached)
            {
                zones.Add(cached);
                unchanged.Add(cached);
                continue;
            }

            var zone = LoadZone(folder, errors, warnings, boundary);
            if (zone is null)
            {
                failed.Add(folderName);
            }
            else
            {
                zones.Add(zone);
                cache?.Store(folder, fingerprint!, zone);
            }
        }

        cache?.Retain(zones);
        return new(zones, failed, errors, warnings, unchanged);
    }

    /// <summary>
    /// Loads the zone of one folder, or returns null after adding its errors. Files are read through
    /// <paramref name="boundary"/> (default: the rule for the folder's parent, the policies folder).
    /// </summary>
    public static Zone? LoadZone(string folder, List<ZoneDiagnostic> errors, List<ZoneDiagnostic> warnings, FolderBoundary? boundary = null)
    {
        boundary ??= new FolderBoundary(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)))!);
        var folderName = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        var originText = folderName.EndsWith('.') ? folderName : folderName + ".";
        if (!DnsName.TryParse(originText, null, out var origin, out var nameError))
        {
            errors.Add(new(folder, 0, $"folder name is not a zone origin: {nameError}"));
            return null;
        }

        var file = Path.Combine(folder, folderName.TrimEnd('.') + ZoneFileExtension);
        if (!File.Exists(file))
        {
            errors.Add(new(folder, 0, $"zone '{origin}' has no master file: expected '{Path.GetFileName(file)}' in this folder"));
            return null;
        }

        MasterFileResult parsed;
        try
        {
            parsed = MasterFileParser.ParseFile(file, origin, boundary);
        }
        catch (IOException ex)
        {
            errors.Add(new(file, 0, ex.Message));
            return null;
        }
        catch (UnauthorizedAccessException ex)
        {
            errors.Add(new(file, 0, ex.Message));
            return null;
        }

        warnings.AddRange(parsed.Warnings);
        if (parsed.Errors.Count > 0)
        {
            errors.AddRange(parsed.Errors);
            return null;
        }

        return ZoneBuilder.Build(origin, parsed.Records, file, errors, warnings);
    }
}
