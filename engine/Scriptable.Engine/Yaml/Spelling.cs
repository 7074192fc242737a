namespace Scriptable.Engine.Yaml;

/// <summary>Suggestions for misspelt keys: "did you mean 'interval'?".</summary>
internal static class Spelling
{
    /// <summary>
    /// The nearest known word within <paramref name="maxDistance"/> edits of <paramref name="word"/> (letter case
    /// aside), the first of equals.
    /// </summary>
    public static string? Closest(string word, IEnumerable<string> known, int maxDistance = 2)
    {
        string? best = null;
        var bestDistance = maxDistance + 1;
        foreach (var candidate in known)
        {
            var distance = Distance(word, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>Edits (insert, delete, replace) from one word to the other, letter case aside.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
