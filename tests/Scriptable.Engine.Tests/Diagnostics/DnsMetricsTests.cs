using System.Diagnostics.Metrics;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Diagnostics;

public class DnsMetricsTests
{
    [Fact]
    public void Responses_CountedByRcodeAndTransport()
    {
        var harness = PipelineHarness.Example();
        using var metrics = new DnsMetrics(harness.Pipeline);
        harness.Run(RawQuery.Build("www.example.org", RecordType.A));
        harness.Run(RawQuery.Build("www.example.org", RecordType.A), DnsTransport.Tcp);
        harness.Run(RawQuery.Build("nothing.example.org", RecordType.A));
        harness.Run(RawQuery.Build("nothing.example.org", RecordType.A));
        harness.Run(RawQuery.Build("big.example.org", RecordType.TXT));
        harness.Run([1, 2, 3]);

        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == metrics.Meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + string.Concat(tags.ToArray().Select(t => $" {t.Key}={t.Value}"));
            seen[key] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(2, seen["scriptable.dns.responses dns.rcode=NOERROR network.transport=udp"]);
        Assert.Equal(1, seen["scriptable.dns.responses dns.rcode=NOERROR network.transport=tcp"]);
        Assert.Equal(2, seen["scriptable.dns.responses dns.rcode=NXDOMAIN network.transport=udp"]);
        Assert.Equal(1, seen["scriptable.dns.truncated"]);
        Assert.Equal(1, seen["scriptable.dns.dropped"]);
        Assert.Equal(0, seen["scriptable.dns.failures"]);
    }
}
