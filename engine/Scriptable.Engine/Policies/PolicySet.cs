using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Policies;

/// <summary>
/// The policies a snapshot serves, by name: exact owners, and wildcards by the name they hang under.
/// Built once per publish (hash tables, no locks); the query path only reads it.
/// </summary>
public sealed class PolicySet
{
    private readonly NameTable<PolicyBinding> _exact;
    private readonly NameTable<PolicyBinding> _wildcardsByParent;
    private readonly NameTable<DnsName> _names;

    /// <summary>Builds a set; owners must be distinct.</summary>
    public PolicySet(IReadOnlyList<PolicyBinding> bindings)
    {
        Bindings = bindings;
        _exact = new NameTable<PolicyBinding>(bindings.Select(b => KeyValuePair.Create(b.Owner, b)));
        _wildcardsByParent = new NameTable<PolicyBinding>(bindings.Where(b => b.Owner.IsWildcard).Select(b => KeyValuePair.Create(b.Owner.Parent, b)));
        HasWildcards = _wildcardsByParent.Count > 0;

        // Every owner exists as a name, and so do its ancestors up to the zone (empty non-terminals).
        var names = new HashSet<DnsName>();
        foreach (var binding in bindings)
        {
            for (var name = binding.Owner; name.LabelCount > binding.Origin.LabelCount && names.Add(name); name = name.Parent)
            {
            }
        }

        _names = new NameTable<DnsName>(names.Select(n => KeyValuePair.Create(n, n)));
    }

    /// <summary>A set with no policies.</summary>
    public static PolicySet Empty { get; } = new([]);

    /// <summary>Every binding.</summary>
    public IReadOnlyList<PolicyBinding> Bindings { get; }

    /// <summary>True if no policy is served.</summary>
    public bool IsEmpty => Bindings.Count == 0;

    /// <summary>True if some policy serves a wildcard.</summary>
    internal bool HasWildcards { get; }

    /// <summary>The policy serving exactly this name, or null.</summary>
    public PolicyBinding? Find(DnsName name) => _exact.Find(name);

    /// <summary>The policy serving exactly the question name, or null.</summary>
    internal PolicyBinding? Find(QueryName name) => _exact.Find(name.Lower, name.SuffixHash(0));

    /// <summary>True if a policy owner is this name or lies below it (so the name exists).</summary>
    internal bool Exists(ReadOnlySpan<byte> lowerWire, uint hash) => _names.Find(lowerWire, hash) is not null;

    /// <summary>
    /// The wildcard policy covering a name that has no node of its own in the zone (RFC 4592): the one at
    /// <c>*.</c> its closest encloser, where names created by policies count as existing. Null if none.
    /// </summary>
    internal PolicyBinding? FindWildcard(Zone zone, QueryName name)
    {
        var extra = name.LabelCount - zone.Origin.LabelCount;
        if (zone.Nodes.Find(name.Lower, name.SuffixHash(0)) is not null)
        {
            return null;
        }

        for (var skip = 1; skip <= extra; skip++)
        {
            var suffix = name.Suffix(skip);
            var hash = name.SuffixHash(skip);
            if (skip == extra || zone.Nodes.Find(suffix, hash) is not null || _names.Find(suffix, hash) is not null)
            {
                return _wildcardsByParent.Find(suffix, hash);
            }
        }

        return null;
    }
}
