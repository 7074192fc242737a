namespace Scriptable.Server.Cluster;

/// <summary>What a node knows of its cluster, published whole on every change (the admin endpoint and metrics read it).</summary>
/// <param name="Connected">True while this node's session with etcd is up.</param>
/// <param name="Since">When <paramref name="Connected"/> last changed.</param>
/// <param name="Error">Why etcd cannot be reached, while it cannot.</param>
/// <param name="Members">The live nodes (registrations under a lease), by name; this node's among them while connected.</param>
/// <param name="Disconnects">Sessions lost (or failed to start) since this node started.</param>
internal sealed record ClusterView(bool Connected, DateTimeOffset Since, string? Error, IReadOnlyList<ClusterMember> Members, long Disconnects)
{
    /// <summary>Before the first session.</summary>
    public static ClusterView Starting { get; } = new(false, DateTimeOffset.UtcNow, "not connected yet", [], 0);
}
