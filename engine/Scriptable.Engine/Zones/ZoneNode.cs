using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones;

/// <summary>
/// One owner name of a zone: its RRsets, plus what lookups need precomputed when the zone loads: the zone
/// cut that occludes it, and its wildcard child. An empty non-terminal is a node with no RRsets.
/// </summary>
public sealed class ZoneNode
{
    internal ZoneNode(DnsName name, RRset[] sets, bool isApex)
    {
        Name = name;
        Sets = sets;
        IsApex = isApex;
        for (var i = 0; i < sets.Length; i++)
        {
            if (sets[i].Type == RecordType.CNAME)
            {
                Cname = sets[i];
            }
            else if (sets[i].Type == RecordType.DNAME)
            {
                Dname = sets[i];
            }
        }

        IsDelegation = !isApex && Find(RecordType.NS) is not null;
    }

    /// <summary>The owner name.</summary>
    public DnsName Name { get; }

    /// <summary>The RRsets, ordered by type number.</summary>
    public RRset[] Sets { get; }

    /// <summary>True for the zone apex.</summary>
    public bool IsApex { get; }

    /// <summary>True if this node holds NS records below the apex: a zone cut.</summary>
    public bool IsDelegation { get; }

    /// <summary>The CNAME RRset if this node is an alias.</summary>
    public RRset? Cname { get; }

    /// <summary>The DNAME RRset if this node redirects the names below it (RFC 6672).</summary>
    public RRset? Dname { get; }

    /// <summary>
    /// The highest node at or above this one that owns a DNAME (above every zone cut), or null: names below that
    /// node are redirected, and this node's own data below it is occluded.
    /// </summary>
    public ZoneNode? Redirect { get; internal set; }

    /// <summary>
    /// The highest zone cut at or above this node (possibly this node), or null when the node is
    /// authoritative data. Data below a cut is glue or occluded.
    /// </summary>
    public ZoneNode? Cut { get; internal set; }

    /// <summary>The node <c>*.</c>this name, the source of wildcard synthesis (RFC 4592), or null.</summary>
    public ZoneNode? Wildcard { get; internal set; }

    /// <summary>The RRset of a type, or null.</summary>
    public RRset? Find(ushort type)
    {
        var sets = Sets;
        for (var i = 0; i < sets.Length; i++)
        {
            if (sets[i].Type == type)
            {
                return sets[i];
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Sets.Length} RRsets)";
}
