using System.Diagnostics.Metrics;
using System.Reflection;
using System.Runtime.InteropServices;
using Scriptable.Engine.Diagnostics;

namespace Scriptable.Server.Hosting;

/// <summary>
/// The server's own instruments of the <c>Scriptable</c> meter: <c>scriptable.build_info</c> (a gauge always 1,
/// whose tags say the version and runtime, as <c>coredns_build_info</c> does), <c>scriptable.zones.load_failures</c>
/// (zone loads that failed, at startup and every reload) and <c>scriptable.zones.failing</c> (zones whose last
/// load failed now).
/// </summary>
internal sealed class ServerMetrics : IDisposable
{
    /// <summary>The version the build info reports (the assembly's informational version).</summary>
    public static readonly string Version = typeof(ServerMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private readonly Meter _meter;

    /// <summary>Creates the instruments; the functions are read when a listener collects.</summary>
    public ServerMetrics(Func<long> zoneLoadFailures, Func<int> zonesFailing, IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(DnsMetrics.MeterName);
        _meter.CreateObservableGauge("scriptable.build_info", () => new Measurement<int>(1,
            new KeyValuePair<string, object?>("version", Version),
            new KeyValuePair<string, object?>("runtime", RuntimeInformation.FrameworkDescription)), "{info}", "Always 1; the labels say which build runs.");
        _meter.CreateObservableCounter("scriptable.zones.load_failures", zoneLoadFailures, "{load}", "Zone loads that failed (at startup or a reload; the previous version, if any, kept serving).");
        _meter.CreateObservableGauge("scriptable.zones.failing", zonesFailing, "{zone}", "Zones whose last load failed.");
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
