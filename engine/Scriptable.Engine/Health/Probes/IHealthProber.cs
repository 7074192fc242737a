namespace Scriptable.Engine.Health.Probes;

/// <summary>
/// Probes one target once. One prober per check, reused for every probe, never two probes at once. It may
/// throw (the monitor turns the exception into a short reason with <see cref="ProbeErrors.Describe"/>) and
/// must stop when <paramref name="cancellationToken"/> fires (the timeout, or the check removed).
/// </summary>
internal interface IHealthProber
{
    /// <summary>Runs one probe.</summary>
    ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken);
}
