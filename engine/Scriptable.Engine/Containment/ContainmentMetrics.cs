using System.Diagnostics;
using System.Diagnostics.Metrics;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Policies;

namespace Scriptable.Engine.Containment;

/// <summary>
/// The containment instruments of the <c>Scriptable</c> meter: benches by reason, stuck runs and the time the
/// watchdog saw each policy running (per policy), threads stuck now, loops replaced, versions in quarantine.
/// Observable: read when a listener collects.
/// </summary>
internal sealed class ContainmentMetrics : IDisposable
{
    private static readonly BenchReason[] Reasons = [BenchReason.Time, BenchReason.Stack, BenchReason.Memory, BenchReason.Budget, BenchReason.Cpu, BenchReason.Stuck];

    private readonly Meter _meter;

    /// <summary>Creates the instruments.</summary>
    public ContainmentMetrics(Func<IReadOnlyList<PolicyStats>> policies, PolicyWatchdog watchdog, QuarantineStore quarantine, IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(DnsMetrics.MeterName) ?? new Meter(DnsMetrics.MeterName);
        _meter.CreateObservableCounter("scriptable.policy.benches", () => Benches(policies()), "{bench}",
            "Times a policy version was benched (its names answer the fallback without running it), by reason: time, stack, memory, budget, cpu, stuck.");
        _meter.CreateObservableCounter("scriptable.policy.stuck_runs", () => PerPolicy(policies(), s => s.Containment.StuckRuns), "{run}",
            "Queries the watchdog found stuck in a policy far past its time budget.");
        _meter.CreateObservableCounter("scriptable.policy.observed.duration", () => Observed(policies()), "s",
            "Time the watchdog saw queries running in each policy (it looks every 5 ms): its share of the receive loops' time.");
        _meter.CreateObservableUpDownCounter("scriptable.loops.stuck", () => (long)watchdog.StuckThreads, "{thread}",
            "Threads stuck in policy code now (replaced loops whose call has not returned).");
        _meter.CreateObservableCounter("scriptable.loops.replaced", () => watchdog.LoopsReplaced, "{loop}",
            "UDP receive loops replaced by a fresh one because they were stuck in a policy.");
        _meter.CreateObservableUpDownCounter("scriptable.policy.quarantined", () => (long)quarantine.Entries.Count, "{version}",
            "Policy versions in quarantine (not loaded: they were running when the process died, or stuck when it stopped).");
    }

    /// <summary>The meter holding the instruments.</summary>
    public Meter Meter => _meter;

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private static List<Measurement<long>> Benches(IReadOnlyList<PolicyStats> list)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var stats in list)
        {
            foreach (var reason in Reasons)
            {
                var count = stats.Containment.Benches(reason);
                if (count > 0)
                {
                    measurements.Add(new Measurement<long>(count, new(TagNames.Policy, stats.Name), new(TagNames.Reason, BenchReasons.Tag(reason))));
                }
            }
        }

        return measurements;
    }

    private static List<Measurement<long>> PerPolicy(IReadOnlyList<PolicyStats> list, Func<PolicyStats, long> read)
    {
        var measurements = new List<Measurement<long>>(list.Count);
        foreach (var stats in list)
        {
            measurements.Add(new Measurement<long>(read(stats), new KeyValuePair<string, object?>(TagNames.Policy, stats.Name)));
        }

        return measurements;
    }

    private static List<Measurement<double>> Observed(IReadOnlyList<PolicyStats> list)
    {
        var measurements = new List<Measurement<double>>(list.Count);
        foreach (var stats in list)
        {
            measurements.Add(new Measurement<double>(stats.Containment.ObservedTicks / (double)Stopwatch.Frequency, new KeyValuePair<string, object?>(TagNames.Policy, stats.Name)));
        }

        return measurements;
    }
}
