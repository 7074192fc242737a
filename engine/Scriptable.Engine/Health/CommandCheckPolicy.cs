using Scriptable.Engine.Files;

namespace Scriptable.Engine.Health;

/// <summary>
/// What <c>command:</c> checks may run, set by the operator in the server's configuration (section
/// <c>Health:Commands</c>), never by the policies folder: the folder is data that many people may write, and a
/// command runs as the server's user. Off unless <see cref="Enabled"/>; then a command's program is an absolute
/// path whose real path (links followed) is a regular file inside one of <see cref="Directories"/>. It runs
/// without a shell, with a clean environment, in <see cref="WorkingDirectory"/>, in a process group of its own
/// (killed whole at the timeout), its output read up to <see cref="MaxOutputBytes"/>, and, when the server is
/// root and <see cref="User"/> is set, as that user (util-linux <c>setpriv</c>, no new privileges).
/// </summary>
public sealed record CommandCheckPolicy
{
    /// <summary>Command checks off: every <c>command:</c> check is an error of <c>health.yaml</c>.</summary>
    public static CommandCheckPolicy Off { get; } = new();

    /// <summary>
    /// For hosts that never run a probe (the testing kit: states are stated, not probed): commands are read as
    /// written and not checked. A <see cref="HealthMonitor"/> given it runs no command.
    /// </summary>
    public static CommandCheckPolicy NeverRun { get; } = new() { Enabled = true, NotRun = true };

    /// <summary>True for <see cref="NeverRun"/>.</summary>
    internal bool NotRun { get; private init; }

    /// <summary>True when command checks may run at all.</summary>
    public bool Enabled { get; init; }

    /// <summary>The folders (absolute) whose programs may run; links are resolved, and the program's real path must be inside one.</summary>
    public IReadOnlyList<string> Directories { get; init; } = [];

    /// <summary>When the server runs as root, the user commands run as (by name); null or empty: the server's user.</summary>
    public string? User { get; init; }

    /// <summary>The working directory of every command (absolute; default <c>/</c>).</summary>
    public string WorkingDirectory { get; init; } = "/";

    /// <summary>The most of a command's output read (4 KiB, each of standard output and error); then its pipe is closed.</summary>
    public int MaxOutputBytes { get; init; } = 4096;

    /// <summary>
    /// Checks <paramref name="program"/> against this policy. Returns null when it may run (its real path in
    /// <paramref name="realPath"/>, or the path itself when it does not exist yet: <paramref name="missing"/>), else
    /// why not, with the diagnostic id in <paramref name="id"/> (HLT036 off, HLT037 not absolute, HLT038 not allowed).
    /// </summary>
    public string? Check(string program, out string realPath, out bool missing, out string id)
    {
        ArgumentNullException.ThrowIfNull(program);
        realPath = program;
        missing = false;
        id = HealthDiagnosticIds.CommandsOff;
        if (!Enabled)
        {
            return "command checks are off: the server's configuration turns them on (Health:Commands:Enabled) and lists the folders whose programs may run (Health:Commands:Directories)";
        }

        if (NotRun)
        {
            return null;
        }

        id = HealthDiagnosticIds.ProgramNotAbsolute;
        if (!Path.IsPathRooted(program) || program.Split('/').Any(part => part is "." or ".."))
        {
            return $"'{program}' is not an absolute path: name the program by its full path, such as /usr/local/lib/scriptable/check-db (no search of PATH or of the working directory)";
        }

        id = HealthDiagnosticIds.ProgramNotAllowed;

        // Folders by real path; one that does not exist (yet) by its own path.
        var allowed = new List<string>();
        foreach (var directory in Directories)
        {
            var real = RealPath.Resolve(directory);
            allowed.Add(real.Status?.Type == FileType.Directory ? real.Path : Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        }

        var resolved = RealPath.Resolve(program);
        if (!resolved.Exists && !resolved.TooManyLinks)
        {
            // Not installed (yet): allowed if it would be in an allowed folder; the probe fails until it is there.
            missing = true;
            var folder = RealPath.Resolve(Path.GetDirectoryName(program)!);
            var where = folder.Status?.Type == FileType.Directory ? folder.Path : Path.GetDirectoryName(program)!;
            if (allowed.Exists(a => RealPath.IsWithin(where, a)))
            {
                return null;
            }
        }
        else if (resolved.Status?.Type == FileType.Regular && allowed.Exists(a => RealPath.IsWithin(resolved.Path, a)))
        {
            realPath = resolved.Path;
            return null;
        }

        return Directories.Count == 0
            ? $"'{program}' may not run: the server's configuration lists no folder of programs for command checks (Health:Commands:Directories)"
            : $"'{program}' may not run: it is not a program in the folders the server's configuration allows ({string.Join(", ", Directories)})";
    }
}
