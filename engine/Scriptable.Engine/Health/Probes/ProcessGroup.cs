using System.Runtime.InteropServices;

namespace Scriptable.Engine.Health.Probes;

/// <summary>
/// Kills a whole process group (<c>kill(-pgid, SIGKILL)</c>), which .NET does not offer: a command check runs in a
/// group of its own (<c>setsid</c>), so what it started goes with it, even a child its parent no longer waits for.
/// </summary>
internal static class ProcessGroup
{
    private const int SigKill = 9;

    /// <summary>Kills every process of the group <paramref name="groupId"/>; false if there was none (or this is not Linux).</summary>
    public static bool Kill(int groupId)
    {
        if (groupId <= 1 || !OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return Native.kill(-groupId, SigKill) == 0;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true, ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int kill(int pid, int sig);
    }
}
