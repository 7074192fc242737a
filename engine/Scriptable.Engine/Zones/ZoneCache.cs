using System.Security.Cryptography;
using System.Text;
using Scriptable.Engine.Files;

namespace Scriptable.Engine.Zones;

/// <summary>
/// The zones last loaded from each folder, with a fingerprint of the folder's files (every file but the
/// policies: relative path, size, modification time), so a reload reuses a zone whose files did not change.
/// A zone's <c>$INCLUDE</c> of a file outside its folder is not fingerprinted: SIGHUP reloads everything.
/// Not thread-safe (the folder loader serialises reloads).
/// </summary>
public sealed class ZoneCache
{
    private Dictionary<string, (string Fingerprint, Zone Zone)> _byFolder = new(StringComparer.Ordinal);

    /// <summary>Forgets everything, so the next load parses every zone.</summary>
    public void Clear() => _byFolder.Clear();

    internal Zone? Find(string folder, string fingerprint) =>
        _byFolder.TryGetValue(folder, out var entry) && entry.Fingerprint == fingerprint ? entry.Zone : null;

    internal void Store(string folder, string fingerprint, Zone zone) => _byFolder[folder] = (fingerprint, zone);

    /// <summary>Drops the entries of zones no longer loaded.</summary>
    internal void Retain(IReadOnlyCollection<Zone> zones)
    {
        var kept = new HashSet<Zone>(zones);
        _byFolder = _byFolder.Where(e => kept.Contains(e.Value.Zone)).ToDictionary(StringComparer.Ordinal);
    }

    /// <summary>The folder's files (links to folders followed only inside the policies folder, by <paramref name="boundary"/>'s walk).</summary>
    internal static string Fingerprint(string folder, FolderBoundary boundary)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var path in boundary.EnumerateFiles(folder))
        {
            if (path.EndsWith(".csx", StringComparison.Ordinal))
            {
                continue;
            }

            var file = new FileInfo(path);
            hash.AppendData(Encoding.UTF8.GetBytes($"{Path.GetRelativePath(folder, file.FullName)}\0{(file.Exists ? file.Length : -1)}\0{(file.Exists ? file.LastWriteTimeUtc.Ticks : 0)}\0"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
