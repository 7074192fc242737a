namespace Scriptable.Engine.Health;

/// <summary>How a check probes its target (and <see cref="Group"/> for a group's status).</summary>
public enum HealthCheckKind
{
    /// <summary>An HTTP or HTTPS request whose status (and optionally body) must match.</summary>
    Http,

    /// <summary>A TCP connection that must be accepted.</summary>
    Tcp,

    /// <summary>A DNS query over UDP that must get an answer.</summary>
    Dns,

    /// <summary>A program that must exit with code 0.</summary>
    Command,

    /// <summary>Not a probe: a group, up when enough of its member checks are.</summary>
    Group,
}
