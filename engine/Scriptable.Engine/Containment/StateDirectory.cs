using System.Security.Cryptography;
using System.Text;

namespace Scriptable.Engine.Containment;

/// <summary>
/// Where a server keeps what must outlive its process: the in-flight journal, the quarantine, the last good
/// versions. The <c>StateDirectory</c> setting when given; else systemd's <c>$STATE_DIRECTORY</c> (the unit's
/// <c>StateDirectory=</c>); else a directory per policies folder under <c>$XDG_STATE_HOME</c> (default
/// <c>~/.local/state</c>) <c>/scriptable/</c>. Never inside the policies folder, which several nodes may share
/// or git may sync. It holds compiled code the server loads, so it must be writable by the server's user only.
/// </summary>
internal static class StateDirectory
{
    /// <summary>The directory for a configured value (empty: the default), a policies folder and an environment.</summary>
    public static string Resolve(string configured, string policiesFolder, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        // systemd may list several directories, separated by ':' (StateDirectory=a b): the first is ours.
        var systemd = environment("STATE_DIRECTORY");
        if (!string.IsNullOrEmpty(systemd))
        {
            return Path.GetFullPath(systemd.Split(':')[0]);
        }

        var home = environment("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(home) || !Path.IsPathRooted(home))
        {
            home = Path.Combine(environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.GetFullPath(Path.Combine(home, "scriptable", PerFolderName(policiesFolder)));
    }

    /// <summary>A name for a policies folder: its own name and a hash of its full path (<c>policies-3f2a9c1e</c>).</summary>
    public static string PerFolderName(string policiesFolder)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(policiesFolder));
        var name = new StringBuilder();
        foreach (var c in Path.GetFileName(full))
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(full)))[..8];
        return (name.Length == 0 ? "root" : name.ToString()) + "-" + hash;
    }

    /// <summary>True if <paramref name="directory"/> is <paramref name="folder"/> or inside it.</summary>
    public static bool IsInside(string directory, string folder)
    {
        var dir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) + Path.DirectorySeparatorChar;
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        return dir.StartsWith(root, StringComparison.Ordinal);
    }

    /// <summary>
    /// Creates the directory (mode 0700) if needed and checks it is ours and writable by no one else. Returns null
    /// when it can be trusted, else why not.
    /// </summary>
    public static string? Prepare(string directory)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
                return null;
            }

            var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(directory));
            if (!string.IsNullOrEmpty(parent))
            {
                Directory.CreateDirectory(parent);
            }

            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var mode = File.GetUnixFileMode(directory);
            if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                return $"'{directory}' is writable by other users (mode {Convert.ToString((int)mode, 8)}); make it 0700 (or 0755)";
            }

            // Only its owner (or root) may change a directory's mode: setting the same mode proves it is ours.
            File.SetUnixFileMode(directory, mode);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"'{directory}' cannot be used: {ex.Message}";
        }
    }

    /// <summary>Creates a directory only its owner can read (mode 0700).</summary>
    public static void CreatePrivate(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Writes a file atomically (a temporary file renamed over it), mode 0600.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = path + ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
