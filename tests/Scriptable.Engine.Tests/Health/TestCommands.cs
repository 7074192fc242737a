using Scriptable.Engine.Health;

namespace Scriptable.Engine.Tests.Health;

/// <summary>The command-check policy of tests that run system programs: /bin and /usr/bin allowed.</summary>
internal static class TestCommands
{
    /// <summary>Command checks on, programs of /bin and /usr/bin.</summary>
    public static CommandCheckPolicy System { get; } = new() { Enabled = true, Directories = ["/bin", "/usr/bin"] };
}
