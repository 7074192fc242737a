using System.Text;

namespace Scriptable.Server.Cluster;

/// <summary>
/// Rendezvous (highest random weight) hashing: which K of the live nodes probe a check. Every node computes the same
/// choice from the same names (FNV-1a, not the process-randomised string hash); a node joining or leaving moves only
/// the checks it wins or held, about 1/N of them.
/// </summary>
internal static class Rendezvous
{
    /// <summary>The <paramref name="count"/> nodes with the highest weights for <paramref name="key"/> (all of them when fewer).</summary>
    public static HashSet<string> Choose(string key, IEnumerable<string> nodes, int count)
    {
        var ranked = nodes.Distinct(StringComparer.Ordinal).Select(n => (Node: n, Weight: Weight(key, n))).OrderByDescending(x => x.Weight).ThenBy(x => x.Node, StringComparer.Ordinal);
        return new HashSet<string>(ranked.Take(count).Select(x => x.Node), StringComparer.Ordinal);
    }

    /// <summary>FNV-1a over the key and the node's name, then a 64-bit finaliser (so that close names spread).</summary>
    public static ulong Weight(string key, string node)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(key + "\n" + node))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        hash ^= hash >> 33;
        return hash;
    }
}
