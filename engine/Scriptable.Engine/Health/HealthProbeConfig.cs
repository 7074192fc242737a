namespace Scriptable.Engine.Health;

/// <summary>
/// What a check probes: one of <see cref="HttpProbeConfig"/>, <see cref="TcpProbeConfig"/>,
/// <see cref="DnsProbeConfig"/>, <see cref="CommandProbeConfig"/>. Two equal probe configurations probe the
/// same thing, so a reload that keeps one keeps the check's state.
/// </summary>
public abstract record HealthProbeConfig
{
    /// <summary>The kind of probe.</summary>
    public abstract HealthCheckKind Kind { get; }

    /// <summary>What is probed, for people: a URL, <c>host:port</c>, a server and query, a command line.</summary>
    public abstract string Target { get; }
}
