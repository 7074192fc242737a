namespace Scriptable.Engine.Files;

/// <summary>Where a path leads: its real path (no link, no <c>.</c> or <c>..</c>), and the file there.</summary>
/// <param name="Path">The real path, or, when it does not resolve, the part of it reached before the failure.</param>
/// <param name="Status">The file at <paramref name="Path"/>, or null when the path does not resolve.</param>
/// <param name="TooManyLinks">True when resolving followed more than <see cref="RealPath.MaxLinks"/> links (a loop).</param>
internal readonly record struct ResolvedPath(string Path, FileStatus? Status, bool TooManyLinks = false)
{
    /// <summary>True when the whole path resolved to an existing file.</summary>
    public bool Exists => Status is not null;
}

/// <summary>
/// Resolves a path the way the kernel does when it opens it: component by component, following every link (a
/// link's <c>..</c> is taken from where the link leads, not lexically), so the real path is the file an open would
/// reach. <see cref="Path.GetFullPath(string)"/> is not used on the way: it folds <c>link/..</c> lexically, which is
/// not where the kernel goes.
/// </summary>
internal static class RealPath
{
    /// <summary>Links followed at most while resolving one path, as Linux (ELOOP after 40).</summary>
    public const int MaxLinks = 40;

    /// <summary>
    /// Resolves <paramref name="path"/> (relative paths from the current folder). When the path starts with the
    /// folder <paramref name="from"/> (absolute), whose real path is already known (<paramref name="fromReal"/>),
    /// the walk starts there instead of at <c>/</c>.
    /// </summary>
    public static ResolvedPath Resolve(string path, string? from = null, string? fromReal = null)
    {
        var absolute = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(Environment.CurrentDirectory, path);
        var pending = new Stack<string>();
        var current = "/";
        if (from is not null && fromReal is not null && absolute.Length > from.Length && absolute.StartsWith(from, StringComparison.Ordinal) && absolute[from.Length] == '/')
        {
            Push(pending, absolute[(from.Length + 1)..]);
            current = fromReal;
        }
        else
        {
            Push(pending, absolute);
        }

        FileStatus? status = Stat(current);
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Parent(current);
                status = Stat(current);
                continue;
            }

            var next = current == "/" ? "/" + part : current + "/" + part;
            var found = Stat(next);
            if (found is null)
            {
                return new ResolvedPath(next, null);
            }

            if (found.Value.Type == FileType.Link)
            {
                if (++links > MaxLinks)
                {
                    return new ResolvedPath(next, null, TooManyLinks: true);
                }

                var target = new FileInfo(next).LinkTarget;
                if (target is null)
                {
                    return new ResolvedPath(next, null);
                }

                Push(pending, target);
                if (System.IO.Path.IsPathRooted(target))
                {
                    current = "/";
                    status = Stat(current);
                }

                continue;
            }

            if (pending.Count > 0 && found.Value.Type != FileType.Directory && HasMoreParts(pending))
            {
                // A file in the middle of the path: nothing is below it.
                return new ResolvedPath(next, null);
            }

            current = next;
            status = found;
        }

        return new ResolvedPath(current, status);
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> or below it (both real paths).</summary>
    public static bool IsWithin(string path, string folder) =>
        path == folder || folder == "/" || (path.Length > folder.Length && path.StartsWith(folder, StringComparison.Ordinal) && path[folder.Length] == '/');

    private static bool HasMoreParts(Stack<string> pending)
    {
        foreach (var part in pending)
        {
            if (part.Length > 0 && part != ".")
            {
                return true;
            }
        }

        return false;
    }

    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }

    private static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary><c>lstat</c>, or without it .NET's view (links seen, FIFOs and devices taken for files).</summary>
    private static FileStatus? Stat(string path)
    {
        if (UnixFile.Available)
        {
            return UnixFile.Lstat(path);
        }

        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            return new FileStatus(FileType.Link, 0, 0, 0);
        }

        if (Directory.Exists(path))
        {
            return new FileStatus(FileType.Directory, 0, 0, 0);
        }

        return info.Exists ? new FileStatus(FileType.Regular, 0, 0, info.Length) : null;
    }
}
