using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;

namespace Scriptable.Server.Cluster;

internal sealed partial class ClusterNode
{
    [LoggerMessage(EventId = EventIds.ClusterJoined, EventName = nameof(EventIds.ClusterJoined), Level = LogLevel.Information,
        Message = "Node '{Node}' joined the cluster '{Prefix}' at etcd {Endpoints}: {Members} nodes live.")]
    private partial void LogJoined(string node, string prefix, string endpoints, int members);

    [LoggerMessage(EventId = EventIds.ClusterUnreachable, EventName = nameof(EventIds.ClusterUnreachable), Level = LogLevel.Warning,
        Message = "etcd at {Endpoints} is unreachable ({Reason}): serving the overrides last known, checks decided by this node's own probes, and override changes refused (503) until it is back.")]
    private partial void LogUnreachable(string endpoints, string reason);

    [LoggerMessage(EventId = EventIds.ClusterReconnected, EventName = nameof(EventIds.ClusterReconnected), Level = LogLevel.Information,
        Message = "Node '{Node}' is back in the cluster at etcd {Endpoints}: {Members} nodes live; overrides and votes converged.")]
    private partial void LogReconnected(string node, string endpoints, int members);

    [LoggerMessage(EventId = EventIds.ClusterDrift, EventName = nameof(EventIds.ClusterDrift), Level = LogLevel.Warning,
        Message = "Node '{Other}' serves a policies folder with hash {OtherHash}; this node '{Node}' serves {Hash}: one of them is not up to date.")]
    private partial void LogDrift(string other, string otherHash, string node, string hash);
}
