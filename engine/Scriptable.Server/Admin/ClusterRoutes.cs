using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Scriptable.Server.Hosting;

namespace Scriptable.Server.Admin;

/// <summary>
/// <c>GET /cluster</c>: in cluster mode, whether etcd is reachable (and since when, and why not), the live nodes with
/// their addresses, start, version, when this node last heard from each, and the policies hash each serves (drift:
/// a node serving another hash than this one); on a single node, <c>{"enabled": false}</c>.
/// </summary>
internal static class ClusterRoutes
{
    /// <summary>Adds the route.</summary>
    public static void Map(WebApplication app, ScriptableServer server)
    {
        app.MapGet("/cluster", () =>
        {
            if (server.Cluster is not { } cluster)
            {
                return Results.Json(new { enabled = false });
            }

            var view = cluster.View;
            var now = DateTimeOffset.UtcNow;
            var own = view.Members.FirstOrDefault(m => m.Node == cluster.Node)?.PoliciesHash;
            return Results.Json(new
            {
                enabled = true,
                node = cluster.Node,
                prefix = cluster.Prefix,
                etcd = view.Connected ? "connected" : "unreachable",
                since = view.Since,
                error = view.Error,
                disconnects = view.Disconnects,
                drift = cluster.Drift,
                nodes = view.Members.Select(m => new
                {
                    node = m.Node,
                    self = m.Node == cluster.Node,
                    dns = m.Dns,
                    admin = m.Admin,
                    startedAt = m.StartedAt,
                    version = m.Version,
                    policiesHash = m.PoliciesHash,
                    drift = own is not null && m.PoliciesHash != own,
                    lastHeard = m.LastHeard,
                    lastHeardSecondsAgo = Math.Round(Math.Max(0, (now - m.LastHeard).TotalSeconds), 1),
                }),
            });
        });
    }
}
