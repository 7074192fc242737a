namespace Scriptable.Server.Cluster;

/// <summary>One node of the cluster as its registration in etcd says (<c>&lt;prefix&gt;/nodes/&lt;node&gt;</c>).</summary>
/// <param name="Node">Its name.</param>
/// <param name="Dns">The addresses it serves DNS on.</param>
/// <param name="Admin">Its admin endpoint, or null.</param>
/// <param name="StartedAt">When its process started.</param>
/// <param name="Version">Its program version.</param>
/// <param name="PoliciesHash">The content hash of the policies folder it serves (<see cref="PoliciesHash"/>).</param>
internal sealed record ClusterMember(string Node, IReadOnlyList<string> Dns, string? Admin, DateTimeOffset StartedAt, string Version, string PoliciesHash)
{
    /// <summary>When this node last heard from it (its registration is written again at every keep-alive), by this node's clock.</summary>
    public DateTimeOffset LastHeard { get; init; }
}
