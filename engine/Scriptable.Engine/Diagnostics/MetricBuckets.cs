using System.Diagnostics;

namespace Scriptable.Engine.Diagnostics;

/// <summary>
/// The histogram bucket bounds of the CoreDNS-style metrics, the same as CoreDNS's so that its dashboards and
/// alerts read ours: durations 0.25 ms doubling to 8.192 s (16 bounds), sizes 0 to 64000 octets (14 bounds).
/// Each histogram keeps one count per bound plus one above the last; the exporter makes them cumulative.
/// </summary>
internal static class MetricBuckets
{
    /// <summary>Duration bounds in seconds.</summary>
    public static readonly double[] DurationSeconds = Durations();

    /// <summary>The same bounds in <see cref="Stopwatch"/> ticks, which the query path compares against.</summary>
    public static readonly long[] DurationTicks = Array.ConvertAll(DurationSeconds, s => (long)Math.Ceiling(s * Stopwatch.Frequency));

    /// <summary>Size bounds in octets.</summary>
    public static readonly double[] SizeOctets = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3];

    /// <summary>The same bounds as integers.</summary>
    public static readonly long[] SizeLongs = Array.ConvertAll(SizeOctets, s => (long)s);

    /// <summary>Counts per duration histogram: one per bound and one above the last.</summary>
    public const int DurationSlots = 17;

    /// <summary>Counts per size histogram: one per bound and one above the last.</summary>
    public const int SizeSlots = 15;

    /// <summary>The slot a value falls in: the first bound it does not exceed, or the last slot (above every bound).</summary>
    public static int Slot(long[] bounds, long value)
    {
        var i = 0;
        while (i < bounds.Length && value > bounds[i])
        {
            i++;
        }

        return i;
    }

    private static double[] Durations()
    {
        var bounds = new double[DurationSlots - 1];
        for (var i = 0; i < bounds.Length; i++)
        {
            bounds[i] = 0.00025 * (1L << i);
        }

        return bounds;
    }
}
