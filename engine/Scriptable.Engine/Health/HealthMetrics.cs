using System.Diagnostics.Metrics;
using Scriptable.Engine.Diagnostics;
using Scriptable.Policies;

namespace Scriptable.Engine.Health;

/// <summary>
/// The health instruments of the <c>Scriptable</c> meter: <c>scriptable.health.state</c> (1 up, 0 down or
/// draining, per check and group), <c>scriptable.health.probes</c> (per check and result) and
/// <c>scriptable.health.probe.duration</c> (s, per check). Tags are the configured names only.
/// </summary>
internal sealed class HealthMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _probes;
    private readonly Histogram<double> _duration;

    /// <summary>Creates the instruments; <paramref name="current"/> gives the map the gauge reads.</summary>
    public HealthMetrics(Func<HealthMap> current, IMeterFactory? meterFactory)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(DnsMetrics.MeterName) ?? new Meter(DnsMetrics.MeterName);
        _meter.CreateObservableGauge("scriptable.health.state", () => States(current()), "{state}",
            "1 if the check or group is up (as policies see it, overrides included), 0 if down or draining.");
        _meter.CreateObservableGauge("scriptable.health.check.state", () => StateSet(current()), "{state}",
            "1 for the state each check or group is in (up, down, draining, unknown), 0 for the others; overrides included.");
        _probes = _meter.CreateCounter<long>("scriptable.health.probes", "{probe}", "Probes run, by check and result (success, failure).");
        _duration = _meter.CreateHistogram<double>("scriptable.health.probe.duration", "s", "How long probes took, by check.");
    }

    /// <summary>Counts one probe.</summary>
    public void Probe(string check, bool success, TimeSpan duration)
    {
        if (_probes.Enabled)
        {
            _probes.Add(1, new KeyValuePair<string, object?>(TagNames.HealthCheck, check), new KeyValuePair<string, object?>(TagNames.HealthResult, success ? "success" : "failure"));
        }

        if (_duration.Enabled)
        {
            _duration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(TagNames.HealthCheck, check));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static readonly (HealthState State, string Text)[] StateNames =
        [(HealthState.Up, "up"), (HealthState.Down, "down"), (HealthState.Draining, "draining"), (HealthState.Unknown, "unknown")];

    private static List<Measurement<int>> StateSet(HealthMap map)
    {
        var measurements = new List<Measurement<int>>(map.Count * StateNames.Length);
        foreach (var (name, status) in map.Entries)
        {
            foreach (var (state, text) in StateNames)
            {
                measurements.Add(new Measurement<int>(status.State == state ? 1 : 0,
                    new KeyValuePair<string, object?>(TagNames.HealthCheck, name), new KeyValuePair<string, object?>(TagNames.HealthState, text)));
            }
        }

        return measurements;
    }

    private static List<Measurement<int>> States(HealthMap map)
    {
        var measurements = new List<Measurement<int>>(map.Count);
        foreach (var (name, status) in map.Entries)
        {
            measurements.Add(new Measurement<int>(status.IsUp ? 1 : 0, new KeyValuePair<string, object?>(TagNames.HealthCheck, name)));
        }

        return measurements;
    }
}
