using Scriptable.Policies;

namespace Scriptable.Engine.Health;

/// <summary>One check of <c>health.yaml</c>: what it probes and how often, and how results become a state.</summary>
/// <param name="Name">The name policies use (<c>ctx.Health.IsUp("eu")</c>); case-sensitive.</param>
/// <param name="Probe">What is probed.</param>
/// <param name="Interval">Time between the starts of two probes (each period is jittered by a few percent).</param>
/// <param name="Timeout">How long one probe may take (less than <paramref name="Interval"/>).</param>
/// <param name="Rise">Consecutive successes that bring a down check up.</param>
/// <param name="Fall">Consecutive failures that bring an up check down.</param>
/// <param name="Initial">The state before rise or fall says otherwise: <see cref="HealthState.Up"/> or <see cref="HealthState.Down"/>.</param>
public sealed record HealthCheckConfig(string Name, HealthProbeConfig Probe, TimeSpan Interval, TimeSpan Timeout, int Rise = 2, int Fall = 3, HealthState Initial = HealthState.Up)
{
    /// <summary>The default interval: 5 s.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    /// <summary>The default timeout: 2 s.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>In cluster mode, how many live observers must see the check down for it to be down (<c>quorum:</c>).</summary>
    public HealthQuorum Quorum { get; init; } = HealthQuorum.Majority;

    /// <summary>
    /// In cluster mode, how many of the live nodes probe the check (<c>probers:</c>), chosen by rendezvous hashing of the
    /// check's and the nodes' names; 0 (the default, <c>all</c>): every node.
    /// </summary>
    public int Probers { get; init; }

    /// <summary>The kind of probe.</summary>
    public HealthCheckKind Kind => Probe.Kind;
}
