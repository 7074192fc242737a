using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Scriptable.Engine.Files;

/// <summary>
/// The one rule for every file the server reads from a policies folder (zone files and their <c>$INCLUDE</c>s,
/// policies and <c>#load</c> helpers, <c>health.yaml</c>, fixtures, <c>_geo/*.mmdb</c>, the overrides file kept
/// there): the path is resolved as the kernel would open it, following every link, and the file is read only if
/// <list type="number">
/// <item>its real path is inside the folder's real path (or, for <c>$INCLUDE</c> targets and fixtures' databases,
/// inside one of the <see cref="IncludeDirectories"/> the operator listed): a folder that is itself a link, and
/// links that stay inside (Kubernetes ConfigMaps' <c>..data</c>), work; a link, <c>..</c> or absolute path that leads
/// out does not;</item>
/// <item>it is a regular file (not a directory, device, FIFO or socket, which could block or never end);</item>
/// <item>it is not one of the server's own files (<see cref="ServerFiles"/>: its configuration, which may hold the
/// admin token; the overrides file; state), whether reached by a link or a hard link (same device and inode);</item>
/// <item>it is not larger than what is read of a file of its kind.</item>
/// </list>
/// A refused file is never opened, and the <see cref="FileRefusedException"/> names the path as given and the
/// reason, nothing of the content. What is checked is what is opened: the real path is opened without following a
/// link at its end and without blocking, and the opened file must be the one checked (same device and inode), so
/// a file swapped after the check is closed unread. A path that does not resolve is "outside" unless the point
/// where it stopped is inside, so refusals do not tell which files exist elsewhere.
/// </summary>
public sealed class FolderBoundary
{
    private readonly Resolved? _resolved;

    /// <summary>Creates the rule for <paramref name="folder"/> (as the user gave it).</summary>
    /// <param name="folder">The policies folder.</param>
    /// <param name="includeDirectories">Other folders whose files <c>$INCLUDE</c> and fixtures may name (absolute paths).</param>
    /// <param name="serverFiles">The server's own files, never read as data.</param>
    public FolderBoundary(string folder, IReadOnlyList<string>? includeDirectories = null, IReadOnlyList<string>? serverFiles = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Folder = folder;
        IncludeDirectories = includeDirectories ?? [];
        ServerFiles = serverFiles ?? [];
    }

    /// <summary>A boundary whose folder, include folders and server files were resolved once (<see cref="Snapshot"/>).</summary>
    private FolderBoundary(FolderBoundary from, Resolved resolved)
        : this(from.Folder, from.IncludeDirectories, from.ServerFiles)
    {
        _resolved = resolved;
    }

    /// <summary>The policies folder.</summary>
    public string Folder { get; }

    /// <summary>Folders outside the policies folder that <c>$INCLUDE</c> and fixtures' <c>geo-databases</c> may name.</summary>
    public IReadOnlyList<string> IncludeDirectories { get; }

    /// <summary>The server's own files (configuration, overrides, state): never read as data, under any name.</summary>
    public IReadOnlyList<string> ServerFiles { get; }

    /// <summary>
    /// The same rule with the folder, the include folders and the server's files resolved once, now: for a batch of
    /// reads that follow at once (the watcher's fingerprint reads every policy every few seconds). A folder link
    /// swapped after the snapshot is seen by the next one.
    /// </summary>
    public FolderBoundary Snapshot() => new(this, Resolve());

    /// <summary>
    /// Checks a data file without opening it and returns its real path. Throws <see cref="FileRefusedException"/>,
    /// or <see cref="FileNotFoundException"/> when it does not exist inside.
    /// </summary>
    /// <param name="path">The file, as named (relative paths from the current folder).</param>
    /// <param name="included">True for a file another file names (<c>$INCLUDE</c>, a fixture's database): <see cref="IncludeDirectories"/> are allowed too.</param>
    /// <param name="maxBytes">The largest size read.</param>
    public string Check(string path, bool included = false, long maxBytes = long.MaxValue) => Inspect(path, included, maxBytes).Path;

    /// <summary>Reads a data file's text (UTF-8 unless a byte order mark says otherwise). Throws as <see cref="Check"/>, and the I/O exceptions of reading.</summary>
    public string ReadText(string path, long maxBytes, bool included = false) => Decode(ReadBytes(path, maxBytes, included));

    /// <summary>Reads a data file's bytes. Throws as <see cref="Check"/>, and the I/O exceptions of reading.</summary>
    public byte[] ReadBytes(string path, long maxBytes, bool included = false)
    {
        using var stream = OpenRead(path, maxBytes, included);
        return ReadAll(stream, path, maxBytes);
    }

    /// <summary>Opens a data file for reading. Throws as <see cref="Check"/>.</summary>
    public Stream OpenRead(string path, long maxBytes, bool included = false)
    {
        var resolved = Inspect(path, included, maxBytes);
        return Open(path, resolved, maxBytes);
    }

    /// <summary>
    /// Reads one of the server's own files kept in or near the folder (the overrides file): a regular file, and, when
    /// its path is under the folder, with its real path inside it too (so a link put in its place cannot send the
    /// server reading elsewhere). Throws <see cref="FileRefusedException"/> and the I/O exceptions of reading.
    /// </summary>
    public byte[] ReadServerFile(string path, long maxBytes)
    {
        var underFolder = RealPath.IsWithin(Path.GetFullPath(path), Path.TrimEndingDirectorySeparator(Path.GetFullPath(Folder)));
        ResolvedPath resolved;
        if (underFolder)
        {
            resolved = Inspect(path, included: false, maxBytes, serverFileCheck: false);
        }
        else
        {
            resolved = Regular(path, maxBytes);
        }

        using var stream = Open(path, resolved, maxBytes);
        return ReadAll(stream, path, maxBytes);
    }

    /// <summary>
    /// Opens a file the operator named (a configured geo database): anywhere, but a regular file, opened as checked.
    /// Throws <see cref="FileRefusedException"/> for anything else, <see cref="FileNotFoundException"/> when missing.
    /// </summary>
    public static Stream OpenOperatorFile(string path, long maxBytes = long.MaxValue) => Open(path, Regular(path, maxBytes), maxBytes);

    /// <summary>
    /// Every file under <paramref name="directory"/> (a folder inside the policies folder), named through
    /// <paramref name="directory"/>. A link to a folder is followed only when it stays inside the policies folder,
    /// and each real folder is walked once (links that loop, or many links to one folder, cost nothing);
    /// <paramref name="descend"/> may skip folders by path. Links to files are listed wherever they lead: reading
    /// them decides. Nothing is listed when <paramref name="directory"/> itself leads outside.
    /// </summary>
    public IReadOnlyList<string> EnumerateFiles(string directory, Func<string, bool>? descend = null)
    {
        var files = new List<string>();
        var root = RealPath.Resolve(Folder);
        var start = RealPath.Resolve(directory);
        if (root.Status?.Type != FileType.Directory || start.Status?.Type != FileType.Directory || !RealPath.IsWithin(start.Path, root.Path))
        {
            return files;
        }

        var visited = new HashSet<string>(StringComparer.Ordinal) { start.Path };
        var pending = new Stack<(string Named, string Real)>();
        pending.Push((directory, start.Path));
        while (pending.Count > 0)
        {
            var (named, real) = pending.Pop();
            string[] entries;
            try
            {
                entries = Directory.GetFileSystemEntries(named);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            Array.Sort(entries, StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                var status = Lstat(entry);
                if (status?.Type == FileType.Link)
                {
                    var target = RealPath.Resolve(entry);
                    if (target.Status?.Type != FileType.Directory)
                    {
                        files.Add(entry);
                    }
                    else if (RealPath.IsWithin(target.Path, root.Path) && descend?.Invoke(entry) != false && visited.Add(target.Path))
                    {
                        pending.Push((entry, target.Path));
                    }
                }
                else if (status?.Type == FileType.Directory)
                {
                    var entryReal = real + "/" + Path.GetFileName(entry);
                    if (descend?.Invoke(entry) != false && visited.Add(entryReal))
                    {
                        pending.Push((entry, entryReal));
                    }
                }
                else if (status is not null)
                {
                    files.Add(entry);
                }
            }
        }

        return files;
    }

    /// <summary>The rule without opening: the real path of an allowed, regular, small enough file that is not the server's.</summary>
    private ResolvedPath Inspect(string path, bool included, long maxBytes, bool serverFileCheck = true)
    {
        var context = _resolved ?? Resolve();
        if (context.Root is null)
        {
            throw new DirectoryNotFoundException($"the policies folder '{Folder}' does not exist");
        }

        var resolved = RealPath.Resolve(path, context.Folder, context.Root);
        var inside = RealPath.IsWithin(resolved.Path, context.Root) || (included && context.Includes.Exists(a => RealPath.IsWithin(resolved.Path, a)));
        if (!inside)
        {
            throw new FileRefusedException(path, FileRefusal.Outside, included && IncludeDirectories.Count > 0
                ? "it is outside the policies folder and the include folders"
                : "it is outside the policies folder");
        }

        if (resolved.TooManyLinks)
        {
            throw new FileRefusedException(path, FileRefusal.TooManyLinks, "too many links on the way (a loop)");
        }

        if (resolved.Status is not { } status)
        {
            throw new FileNotFoundException("the file does not exist", path);
        }

        if (status.Type != FileType.Regular)
        {
            throw new FileRefusedException(path, FileRefusal.NotRegular, status.Type == FileType.Directory
                ? "it is a folder, not a file"
                : "it is not a regular file (a device, FIFO or socket)");
        }

        if (serverFileCheck)
        {
            foreach (var own in context.ServerFiles)
            {
                if (own.Status is { } ownStatus && (own.Path == resolved.Path || (UnixFile.Available && ownStatus.SameFile(status))))
                {
                    throw new FileRefusedException(path, FileRefusal.ServerFile, "it is one of the server's own files (configuration, overrides, state), not data");
                }
            }
        }

        if (status.Size > maxBytes)
        {
            throw TooLarge(path, maxBytes);
        }

        return resolved;
    }

    /// <summary>The folder, include folders and server files, resolved now.</summary>
    private Resolved Resolve()
    {
        var root = RealPath.Resolve(Folder);
        var includes = new List<string>();
        foreach (var directory in IncludeDirectories)
        {
            var real = RealPath.Resolve(directory);
            if (real.Status?.Type == FileType.Directory)
            {
                includes.Add(real.Path);
            }
        }

        var folder = Path.TrimEndingDirectorySeparator(Path.IsPathRooted(Folder) ? Folder : Path.Combine(Environment.CurrentDirectory, Folder));
        return new Resolved(folder, root.Status?.Type == FileType.Directory ? root.Path : null, includes, [.. ServerFiles.Select(f => RealPath.Resolve(f))]);
    }

    /// <summary>A regular file anywhere (links followed).</summary>
    private static ResolvedPath Regular(string path, long maxBytes)
    {
        var resolved = RealPath.Resolve(path);
        if (resolved.TooManyLinks)
        {
            throw new FileRefusedException(path, FileRefusal.TooManyLinks, "too many links on the way (a loop)");
        }

        if (resolved.Status is not { } status)
        {
            throw new FileNotFoundException("the file does not exist", path);
        }

        if (status.Type != FileType.Regular)
        {
            throw new FileRefusedException(path, FileRefusal.NotRegular, "it is not a regular file (a folder, device, FIFO or socket)");
        }

        return status.Size > maxBytes ? throw TooLarge(path, maxBytes) : resolved;
    }

    /// <summary>Opens the checked real path; the file opened must be the file checked.</summary>
    private static FileStream Open(string path, ResolvedPath resolved, long maxBytes)
    {
        SafeFileHandle handle;
        if (UnixFile.Available)
        {
            handle = UnixFile.Open(resolved.Path, out var opened);
            if (opened.Type != FileType.Regular || !opened.SameFile(resolved.Status!.Value))
            {
                handle.Dispose();
                throw new IOException($"'{path}' changed while it was being opened; it is read again at the next reload");
            }

            if (opened.Size > maxBytes)
            {
                handle.Dispose();
                throw TooLarge(path, maxBytes);
            }
        }
        else
        {
            handle = File.OpenHandle(resolved.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }

        try
        {
            return new FileStream(handle, FileAccess.Read, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static byte[] ReadAll(Stream stream, string path, long maxBytes)
    {
        // The size was checked when the file was opened; one byte more tells a file that grew past the limit since.
        var limit = (int)Math.Min(maxBytes, Array.MaxLength - 1L);
        var buffer = new byte[(int)Math.Min(stream.Length, limit) + 1];
        var length = 0;
        int read;
        while ((read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
            if (length == buffer.Length)
            {
                if (length > limit)
                {
                    throw TooLarge(path, maxBytes);
                }

                Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, limit + 1L));
            }
        }

        return buffer.AsSpan(0, length).ToArray();
    }

    private static string Decode(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes, writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static FileRefusedException TooLarge(string path, long maxBytes) =>
        new(path, FileRefusal.TooLarge, $"it is larger than {Describe(maxBytes)}, the most read of a file of its kind");

    private static string Describe(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} bytes",
    };

    private static FileStatus? Lstat(string path)
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

        return Directory.Exists(path) ? new FileStatus(FileType.Directory, 0, 0, 0) : info.Exists ? new FileStatus(FileType.Regular, 0, 0, info.Length) : null;
    }

    /// <summary>The real paths the rule compares with: the folder (null if it is not a folder), the include folders, the server's files.</summary>
    private sealed record Resolved(string Folder, string? Root, List<string> Includes, List<ResolvedPath> ServerFiles);
}
