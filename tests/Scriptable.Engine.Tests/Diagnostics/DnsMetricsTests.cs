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

        // CoreDNS's names: answered queries by transport, family and type; responses by rcode.
        Assert.Equal(3, seen["dns.requests proto=udp family=1 type=A"]);
        Assert.Equal(1, seen["dns.requests proto=tcp family=1 type=A"]);
        Assert.Equal(1, seen["dns.requests proto=udp family=1 type=TXT"]);
        Assert.Equal(3, seen["dns.responses rcode=NOERROR"]);
        Assert.Equal(2, seen["dns.responses rcode=NXDOMAIN"]);
    }

    [Fact]
    public void Histograms_CountEveryAnsweredQuery()
    {
        var harness = PipelineHarness.Example();
        using var metrics = new DnsMetrics(harness.Pipeline);
        var query = RawQuery.Build("www.example.org", RecordType.A);
        harness.Run(query);
        harness.Run(query);
        harness.Run(query, DnsTransport.Tcp);
        harness.Run([1, 2, 3]);

        var families = metrics.Histograms().ToDictionary(f => f.Name);

        var duration = Assert.Single(families["dns_request_duration_seconds"].Series);
        Assert.Equal("A", duration.Labels.Single(l => l.Key == "type").Value);
        Assert.Equal(3, duration.Counts.Sum());
        Assert.True(duration.Sum > 0);
        var requests = families["dns_request_size_bytes"].Series.ToDictionary(s => s.Labels.Single().Value);
        Assert.Equal(2, requests["udp"].Counts.Sum());
        Assert.Equal(2.0 * query.Length, requests["udp"].Sum);
        Assert.Equal(1, requests["tcp"].Counts[1]);
        Assert.Equal(2, families["dns_response_size_bytes"].Series.Count);
    }
}
