using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Scriptable.Engine.Diagnostics;

namespace Scriptable.Server.Admin;

/// <summary>
/// The instruments of the <c>Scriptable</c> meter in Prometheus text exposition format (version 0.0.4), from a
/// <see cref="MeterListener"/>: observable instruments are read at each scrape; counters and histograms are
/// aggregated as they are recorded. Names follow Prometheus conventions: dots become underscores, seconds get
/// <c>_seconds</c>, counters <c>_total</c> (<c>scriptable.dns.responses</c> becomes
/// <c>scriptable_dns_responses_total</c>), tag names become label names (<c>dns.rcode</c>:
/// <c>dns_rcode</c>). Process CPU, memory and start time are added, as Prometheus clients do.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    /// <summary>Histogram bucket bounds, in the instrument's unit (seconds for durations).</summary>
    private static readonly double[] Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly Lock _scrape = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), Aggregate> _recorded = new();
    private readonly List<(Instrument Instrument, string Labels, double Value)> _observed = [];
    private readonly Func<IReadOnlyList<HistogramFamily>>? _histograms;
    private bool _collecting;

    /// <summary>
    /// Starts listening to every instrument of the meters named <paramref name="meterName"/> (those that
    /// <paramref name="owns"/> says are one server's, when given); <paramref name="histograms"/> adds histograms
    /// aggregated elsewhere (the query path's), read at each scrape.
    /// </summary>
    public PrometheusExporter(string meterName, Func<IReadOnlyList<HistogramFamily>>? histograms = null, Func<Instrument, bool>? owns = null)
    {
        _histograms = histograms;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName && (owns is null || owns(instrument)))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The exposition of every instrument, now.</summary>
    public string Scrape()
    {
        lock (_scrape)
        {
            _observed.Clear();
            _collecting = true;
            try
            {
                _listener.RecordObservableInstruments();
            }
            finally
            {
                _collecting = false;
            }

            var families = new SortedDictionary<string, Family>(StringComparer.Ordinal);
            foreach (var (instrument, labels, value) in _observed)
            {
                Get(families, instrument).Samples.Add((labels, value));
            }

            foreach (var ((instrument, labels), aggregate) in _recorded)
            {
                var family = Get(families, instrument);
                if (family.Type == "histogram")
                {
                    lock (aggregate)
                    {
                        family.Histograms.Add((labels, aggregate.Counts.ToArray(), aggregate.Sum, aggregate.Count));
                    }
                }
                else
                {
                    family.Samples.Add((labels, aggregate.Sum));
                }
            }

            var text = new StringBuilder(4096);
            foreach (var (name, family) in families)
            {
                Write(text, name, family);
            }

            foreach (var histogram in _histograms?.Invoke() ?? [])
            {
                Write(text, histogram);
            }

            WriteProcess(text);
            return text.ToString();
        }
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        if (instrument.IsObservable)
        {
            if (_collecting)
            {
                _observed.Add((instrument, labels, value));
            }

            return;
        }

        var aggregate = _recorded.GetOrAdd((instrument, labels), _ => new Aggregate());
        lock (aggregate)
        {
            aggregate.Sum += value;
            aggregate.Count++;
            if (instrument is Histogram<double> or Histogram<long> or Histogram<int>)
            {
                for (var i = 0; i < Buckets.Length; i++)
                {
                    if (value <= Buckets[i])
                    {
                        aggregate.Counts[i]++;
                    }
                }
            }
        }
    }

    private static Family Get(SortedDictionary<string, Family> families, Instrument instrument)
    {
        var (name, type) = Describe(instrument);
        if (!families.TryGetValue(name, out var family))
        {
            family = new Family(type, instrument.Description ?? "");
            families[name] = family;
        }

        return family;
    }

    /// <summary>The Prometheus name and type of an instrument.</summary>
    internal static (string Name, string Type) Describe(Instrument instrument)
    {
        var name = Sanitize(instrument.Name);
        if (instrument.Unit == "s" && !name.EndsWith("_seconds", StringComparison.Ordinal))
        {
            name = name.Replace("_duration", "_duration_seconds", StringComparison.Ordinal);
            if (!name.EndsWith("_seconds", StringComparison.Ordinal))
            {
                name += "_seconds";
            }
        }

        var type = instrument switch
        {
            Histogram<double> or Histogram<long> or Histogram<int> => "histogram",
            Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> => "counter",
            _ => "gauge",
        };
        if (type == "counter" && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return (name, type);
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }

        var sorted = tags.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder("{");
        foreach (var (key, value) in sorted)
        {
            text.Append(text.Length > 1 ? "," : "").Append(Sanitize(key)).Append("=\"");
            foreach (var c in Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")
            {
                text.Append(c switch { '\\' => "\\\\", '"' => "\\\"", '\n' => "\\n", _ => c.ToString() });
            }

            text.Append('"');
        }

        return text.Append('}').ToString();
    }

    private static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] != '_')
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    private static void Write(StringBuilder text, string name, Family family)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(family.Help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(family.Type).Append('\n');
        foreach (var (labels, value) in family.Samples.OrderBy(s => s.Labels, StringComparer.Ordinal))
        {
            text.Append(name).Append(labels).Append(' ').Append(Number(value)).Append('\n');
        }

        foreach (var (labels, counts, sum, count) in family.Histograms.OrderBy(h => h.Labels, StringComparer.Ordinal))
        {
            var inner = labels.Length == 0 ? "" : labels[1..^1] + ",";
            for (var i = 0; i < Buckets.Length; i++)
            {
                text.Append(name).Append("_bucket{").Append(inner).Append("le=\"").Append(Number(Buckets[i])).Append("\"} ").Append(counts[i]).Append('\n');
            }

            text.Append(name).Append("_bucket{").Append(inner).Append("le=\"+Inf\"} ").Append(count).Append('\n');
            text.Append(name).Append("_sum").Append(labels).Append(' ').Append(Number(sum)).Append('\n');
            text.Append(name).Append("_count").Append(labels).Append(' ').Append(count).Append('\n');
        }
    }

    private static void Write(StringBuilder text, HistogramFamily histogram)
    {
        text.Append("# HELP ").Append(histogram.Name).Append(' ').Append(histogram.Help).Append('\n');
        text.Append("# TYPE ").Append(histogram.Name).Append(" histogram\n");
        foreach (var series in histogram.Series)
        {
            var inner = new StringBuilder();
            foreach (var (key, value) in series.Labels)
            {
                inner.Append(key).Append("=\"").Append(Escape(value)).Append("\",");
            }

            var labels = inner.Length == 0 ? "" : "{" + inner.ToString(0, inner.Length - 1) + "}";
            long cumulative = 0;
            for (var i = 0; i < histogram.Bounds.Length; i++)
            {
                cumulative += series.Counts[i];
                text.Append(histogram.Name).Append("_bucket{").Append(inner).Append("le=\"").Append(Number(histogram.Bounds[i])).Append("\"} ").Append(cumulative).Append('\n');
            }

            cumulative += series.Counts[histogram.Bounds.Length];
            text.Append(histogram.Name).Append("_bucket{").Append(inner).Append("le=\"+Inf\"} ").Append(cumulative).Append('\n');
            text.Append(histogram.Name).Append("_sum").Append(labels).Append(' ').Append(Number(series.Sum)).Append('\n');
            text.Append(histogram.Name).Append("_count").Append(labels).Append(' ').Append(cumulative).Append('\n');
        }
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static void WriteProcess(StringBuilder text)
    {
        using var process = Process.GetCurrentProcess();
        text.Append("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\n")
            .Append("process_cpu_seconds_total ").Append(Number(process.TotalProcessorTime.TotalSeconds)).Append('\n');
        text.Append("# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n")
            .Append("process_resident_memory_bytes ").Append(process.WorkingSet64).Append('\n');
        text.Append("# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n# TYPE process_start_time_seconds gauge\n")
            .Append("process_start_time_seconds ").Append(Number(new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0)).Append('\n');
    }

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private sealed class Aggregate
    {
        public double Sum;
        public long Count;
        public readonly long[] Counts = new long[Buckets.Length];
    }

    private sealed record Family(string Type, string Help)
    {
        public List<(string Labels, double Value)> Samples { get; } = [];

        public List<(string Labels, long[] Counts, double Sum, long Count)> Histograms { get; } = [];
    }
}
