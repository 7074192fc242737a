using Scriptable.TestCommon;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Scriptable.Engine.Health;

namespace Scriptable.Engine.Tests.Health;

public sealed class HealthMetricsTests
{
    [Fact]
    public async Task Metrics_StateProbesDuration_TaggedByCheck()
    {
        using var factory = new TestMeterFactory();
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name.StartsWith("scriptable.health.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Enqueue((i.Name, v, Tags(tags))));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => measurements.Enqueue((i.Name, v, Tags(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Enqueue((i.Name, v, Tags(tags))));
        listener.Start();
        await using var up = new TestHttpServer();
        await using var down = new TestHttpServer(_ => new TestResponse(500));
        await using var h = new MonitorHarness(new HealthMonitorOptions { MeterFactory = factory });

        h.Apply($"checks:\n  eu: {{ http: {up.Url} }}\n  na: {{ http: {down.Url}, fall: 1 }}\ngroups:\n  all: [eu, na]\n");
        await h.Probed("eu", 1);
        await h.Probed("na", 1);
        listener.RecordObservableInstruments();

        Assert.Contains(("scriptable.health.probes", 1.0, "health.check=eu,health.result=success"), measurements);
        Assert.Contains(("scriptable.health.probes", 1.0, "health.check=na,health.result=failure"), measurements);
        Assert.Equal(2, measurements.Count(m => m.Instrument == "scriptable.health.probe.duration"));
        Assert.Contains(("scriptable.health.state", 1.0, "health.check=eu"), measurements);
        Assert.Contains(("scriptable.health.state", 0.0, "health.check=na"), measurements);
        Assert.Contains(("scriptable.health.state", 1.0, "health.check=all"), measurements);
    }

    private static string Tags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var list = new List<string>();
        foreach (var tag in tags)
        {
            list.Add($"{tag.Key}={tag.Value}");
        }

        return string.Join(",", list.Order(StringComparer.Ordinal));
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
