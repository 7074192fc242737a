using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Containment;
using Scriptable.Engine.Policies;

namespace Scriptable.Engine.Tests.Containment;

public sealed class ContainmentMetricsTests
{
    [Fact]
    public void Instruments_ReadCountersOfEveryPolicyAndTheWatchdog()
    {
        var stats = new PolicyStats("www.example.org");
        stats.Containment.CountBench(BenchReason.Stack);
        stats.Containment.CountBench(BenchReason.Stack);
        stats.Containment.CountBench(BenchReason.Cpu);
        stats.Containment.CountStuck();
        stats.Containment.AddObserved(Stopwatch.Frequency / 2);
        var journal = PolicyJournal.Create(null, 4);
        var watchdog = new PolicyWatchdog(journal, new WatchdogOptions(), NullLogger.Instance, _ => { });
        using var metrics = new ContainmentMetrics(() => [stats], watchdog, QuarantineStore.Load(null, out _));

        var seen = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == metrics.Meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => seen[instrument.Name + string.Concat(tags.ToArray().Select(t => $" {t.Key}={t.Value}"))] = value);
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => seen[instrument.Name + string.Concat(tags.ToArray().Select(t => $" {t.Key}={t.Value}"))] = value);
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(2, seen["scriptable.policy.benches policy.name=www.example.org policy.bench.reason=stack"]);
        Assert.Equal(1, seen["scriptable.policy.benches policy.name=www.example.org policy.bench.reason=cpu"]);
        Assert.False(seen.ContainsKey("scriptable.policy.benches policy.name=www.example.org policy.bench.reason=time"));
        Assert.Equal(1, seen["scriptable.policy.stuck_runs policy.name=www.example.org"]);
        Assert.Equal(0.5, seen["scriptable.policy.observed.duration policy.name=www.example.org"], 3);
        Assert.Equal(0, seen["scriptable.loops.stuck"]);
        Assert.Equal(0, seen["scriptable.loops.replaced"]);
        Assert.Equal(0, seen["scriptable.policy.quarantined"]);
    }
}
