namespace Scriptable.Engine.Local;

/// <summary>How the tools show a file to the user: relative to the current folder when under it, else absolute.</summary>
public static class ShownPath
{
    /// <summary><c>example.org/www.csx</c> for <c>./example.org/www.csx</c> run from its folder; the full path otherwise.</summary>
    public static string Of(string path)
    {
        var full = Path.GetFullPath(path);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
    }
}
