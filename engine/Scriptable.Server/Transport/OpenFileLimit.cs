using System.Globalization;

namespace Scriptable.Server.Transport;

/// <summary>
/// How many files (sockets included) this process may open: the soft limit of RLIMIT_NOFILE, which .NET
/// raises to the hard limit at start. Running out is fatal to a .NET process, not just to the connection
/// being accepted: the runtime then fails to map code or read its own files and aborts ("Out of memory."),
/// which a test with a lowered limit showed. So TCP connections must leave room below it.
/// </summary>
internal static class OpenFileLimit
{
    /// <summary>The limit, or null when unknown or unlimited (not Linux, no /proc).</summary>
    public static long? Read()
    {
        try
        {
            return OperatingSystem.IsLinux() ? Parse(File.ReadLines("/proc/self/limits")) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The soft limit in the "Max open files" line of a /proc/PID/limits text.</summary>
    public static long? Parse(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
        }

        return null;
    }
}
