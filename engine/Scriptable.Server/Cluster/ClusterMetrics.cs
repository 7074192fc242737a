using System.Diagnostics.Metrics;
using Scriptable.Engine.Diagnostics;

namespace Scriptable.Server.Cluster;

/// <summary>
/// The <c>scriptable.cluster.*</c> instruments: whether etcd is reachable, how many nodes are live, how many serve a
/// policies folder other than this node's (drift), and sessions lost.
/// </summary>
internal sealed class ClusterMetrics : IDisposable
{
    private readonly Meter _meter;

    public ClusterMetrics(ClusterNode node, IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(DnsMetrics.MeterName);
        _meter.CreateObservableGauge("scriptable.cluster.connected", () => node.View.Connected ? 1 : 0, "{state}", "1 while this node's session with etcd is up; 0 while etcd is unreachable.");
        _meter.CreateObservableGauge("scriptable.cluster.nodes", () => node.View.Members.Count, "{node}", "Live nodes of the cluster (registrations whose lease holds), as this node last knew them.");
        _meter.CreateObservableGauge("scriptable.cluster.drift", () => node.Drift, "{node}", "Live nodes serving a policies folder whose content hash differs from this node's.");
        _meter.CreateObservableCounter("scriptable.cluster.disconnects", () => node.View.Disconnects, "{session}", "Times etcd became unreachable for this node.");
    }

    public void Dispose() => _meter.Dispose();
}
