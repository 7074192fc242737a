namespace Scriptable.TestCommon;

/// <summary>Copies of folders (an example, to change a constant or add files without touching the repository).</summary>
public static class FolderCopy
{
    /// <summary>
    /// Copies every folder and file below <paramref name="from"/> into <paramref name="to"/>, except the files
    /// whose path relative to <paramref name="from"/> <paramref name="skip"/> names.
    /// </summary>
    public static void Tree(string from, string to, Func<string, bool>? skip = null)
    {
        Directory.CreateDirectory(to);
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (skip?.Invoke(relative) != true)
            {
                File.Copy(file, Path.Combine(to, relative));
            }
        }
    }
}
