using System.Reflection;
using System.Security.Cryptography;

namespace Scriptable.Server.Hosting;

/// <summary>
/// The repository's <c>policies/</c> folder, embedded in the binary so that <c>scriptable</c> with no arguments
/// serves the demo from anywhere. Extracted to a folder named after its content hash.
/// </summary>
internal static class EmbeddedPolicies
{
    private const string Prefix = "policies/";

    /// <summary>Writes the embedded files to a temporary folder (once per content) and returns its path.</summary>
    public static string Extract()
    {
        var assembly = typeof(EmbeddedPolicies).Assembly;
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var files = names.Select(n => (Name: n[Prefix.Length..], Bytes: Read(assembly, n))).ToList();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, bytes) in files)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
            hash.AppendData(bytes);
        }

        var folder = Path.Combine(Path.GetTempPath(), "scriptable-default-" + Convert.ToHexStringLower(hash.GetHashAndReset())[..16]);
        foreach (var (name, bytes) in files)
        {
            var path = Path.Combine(folder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }

        return folder;
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
