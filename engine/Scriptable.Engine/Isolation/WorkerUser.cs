using System.Globalization;
using System.Runtime.InteropServices;

namespace Scriptable.Engine.Isolation;

/// <summary>
/// Whom policy workers run as. A server started as root starts its workers as an unprivileged user (<c>nobody</c>
/// unless configured), with no supplementary groups and <c>PR_SET_NO_NEW_PRIVS</c>, through util-linux's
/// <c>setpriv</c>; any other server starts them as its own user (with no-new-privs when <c>setpriv</c> is there).
/// </summary>
internal static class WorkerUser
{
    /// <summary>The user a root server's workers run as by default.</summary>
    public const string DefaultUser = "nobody";

    /// <summary>The <c>setpriv</c> program, or null when it is not installed.</summary>
    public static string? SetPriv { get; } = Find("setpriv");

    /// <summary>True when this process runs as root (effective uid 0).</summary>
    public static bool IsRoot { get; } = OperatingSystem.IsLinux() && GetEffectiveUid() == 0;

    /// <summary>
    /// The user to drop to: null when this process is not root (workers run as its user). Throws
    /// <see cref="InvalidOperationException"/> when it is root and the drop cannot be made (no <c>setpriv</c>, no such
    /// user, or the user is root): isolation must not quietly run policies as root.
    /// </summary>
    public static Account? Resolve(string configured)
    {
        if (!IsRoot)
        {
            return null;
        }

        if (SetPriv is null)
        {
            throw new InvalidOperationException("the server runs as root and 'setpriv' (util-linux) is not installed, so the worker cannot be started as an unprivileged user");
        }

        var name = string.IsNullOrWhiteSpace(configured) ? DefaultUser : configured.Trim();
        var account = Find(name, File.Exists("/etc/passwd") ? File.ReadAllLines("/etc/passwd") : [])
            ?? throw new InvalidOperationException($"the worker user '{name}' does not exist (Policy:Workers:User: a user name, or uid:gid)");
        return account.Uid == 0
            ? throw new InvalidOperationException($"the worker user '{name}' is root: workers never run as root (Policy:Workers:User)")
            : account;
    }

    /// <summary>A user by name (from <c>/etc/passwd</c> lines) or as <c>uid:gid</c>; null if there is none.</summary>
    internal static Account? Find(string name, IEnumerable<string> passwd)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && int.TryParse(name.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            && int.TryParse(name.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
        {
            return new Account(name, uid, gid);
        }

        foreach (var line in passwd)
        {
            // name:password:uid:gid:gecos:home:shell
            var fields = line.Split(':');
            if (fields.Length >= 4 && fields[0] == name
                && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out uid)
                && int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out gid))
            {
                return new Account(name, uid, gid);
            }
        }

        return null;
    }

    private static string? Find(string program)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/bin", "/bin", "/usr/sbin", "/sbin"]))
        {
            var path = Path.Combine(folder, program);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

#pragma warning disable SYSLIB1054, CA5392 // No arguments: see WorkerPipe.
    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUid();
#pragma warning restore SYSLIB1054, CA5392

    /// <summary>A user and its primary group.</summary>
    /// <param name="Name">As configured.</param>
    /// <param name="Uid">User id.</param>
    /// <param name="Gid">Group id.</param>
    internal sealed record Account(string Name, int Uid, int Gid);
}
