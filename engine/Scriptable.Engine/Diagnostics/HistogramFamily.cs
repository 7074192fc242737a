namespace Scriptable.Engine.Diagnostics;

/// <summary>
/// A histogram aggregated outside the meter (the query path counts into plain arrays), exported as is: its
/// Prometheus name, help text and one series per label set.
/// </summary>
/// <param name="Name">The Prometheus name, e.g. <c>dns_request_duration_seconds</c>.</param>
/// <param name="Help">One sentence.</param>
/// <param name="Bounds">The upper bounds of the buckets.</param>
/// <param name="Series">The series.</param>
internal sealed record HistogramFamily(string Name, string Help, double[] Bounds, IReadOnlyList<HistogramSeries> Series);

/// <summary>One series of a <see cref="HistogramFamily"/>.</summary>
/// <param name="Labels">Label names and values.</param>
/// <param name="Counts">Observations per bucket, not cumulative: one per bound, then one above the last.</param>
/// <param name="Sum">The sum of the observations.</param>
internal sealed record HistogramSeries(IReadOnlyList<KeyValuePair<string, string>> Labels, long[] Counts, double Sum);
