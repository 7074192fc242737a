using System.Security.Cryptography;
using System.Text;

namespace Scriptable.Server.Cluster;

/// <summary>
/// The content hash of a policies folder, as nodes compare it: SHA-256 over every file's path (relative, '/'-separated,
/// in ordinal order) and content, hidden files and folders (<c>.scriptable</c>, <c>.vscode</c>, <c>.git</c>) left out.
/// Two nodes serving the same folder, wherever it sits, have the same hash; one edit anywhere changes it.
/// </summary>
internal static class PoliciesHash
{
    /// <summary>The first 16 hex digits of the hash, or <c>unreadable: why</c>.</summary>
    public static string Compute(string folder)
    {
        try
        {
            var root = Path.GetFullPath(folder);
            var files = new List<string>();
            Collect(root, root, files);
            files.Sort(StringComparer.Ordinal);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var relative in files)
            {
                hash.AppendData(Encoding.UTF8.GetBytes(relative + "\n"));
                hash.AppendData(SHA256.HashData(File.ReadAllBytes(Path.Combine(root, relative))));
            }

            return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "unreadable: " + ex.Message;
        }
    }

    private static void Collect(string root, string directory, List<string> files)
    {
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            if (entry.Name.StartsWith('.'))
            {
                continue;
            }

            if (entry is DirectoryInfo sub)
            {
                Collect(root, sub.FullName, files);
            }
            else
            {
                files.Add(Path.GetRelativePath(root, entry.FullName).Replace('\\', '/'));
            }
        }
    }
}
