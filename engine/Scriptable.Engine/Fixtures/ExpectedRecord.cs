using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Scriptable.Engine.Local;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones.MasterFile;

namespace Scriptable.Engine.Fixtures;

/// <summary>
/// A record a fixture expects, written as a zone-file line whose owner, TTL and class may be left out:
/// <c>www.example.com. 30 IN A 192.0.2.10</c>, <c>30 A 192.0.2.10</c> or <c>A 192.0.2.10</c>. What is left
/// out matches anything. Names (owner, and names in the data) are absolute with or without the final dot.
/// The data is compared in canonical form (<c>2001:DB8::0:1</c> matches <c>2001:db8::1</c>).
/// </summary>
/// <param name="Owner">The owner, lower case with the final dot, or null for any.</param>
/// <param name="Ttl">The TTL, or null for any.</param>
/// <param name="Type">The type mnemonic.</param>
/// <param name="Data">The data in canonical presentation form.</param>
public sealed record ExpectedRecord(string? Owner, uint? Ttl, string Type, string Data)
{
    /// <summary>Parses a line; false with a message saying what is wrong.</summary>
    public static bool TryParse(string line, [NotNullWhen(true)] out ExpectedRecord? record, [NotNullWhen(false)] out string? error)
    {
        record = null;
        var words = line.Trim().Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        error = $"'{line}' is not a record: write it as a zone-file line such as 'www.example.com. 30 IN A 192.0.2.10', '30 A 192.0.2.10' or 'A 192.0.2.10'";

        // [owner] [ttl] [IN] TYPE data: the first reading whose data parses wins, so that 'MX 10 mail' is an MX
        // record and 'a 30 IN A 192.0.2.1' is owned by 'a'.
        for (var at = 0; at < Math.Min(4, words.Length - 1); at++)
        {
            if (!RecordType.TryParse(words[at], out var type) || !TryPrefix(words.AsSpan(0, at), out var owner, out var ttl))
            {
                continue;
            }

            if (!RDataText.TryParse(type, RestAfter(line, at + 1), DnsName.Root, out var rdata, out var rdataError))
            {
                error = $"'{line}': {rdataError}";
                continue;
            }

            record = new ExpectedRecord(owner, ttl, RecordType.ToText(type), RDataText.Format(type, rdata));
            error = null;
            return true;
        }

        return false;
    }

    /// <summary>Reads what comes before the type: an owner, a TTL and the class IN, each optional, in zone-file order.</summary>
    private static bool TryPrefix(ReadOnlySpan<string> words, out string? owner, out uint? ttl)
    {
        owner = null;
        ttl = null;
        var sawClass = false;
        for (var i = 0; i < words.Length; i++)
        {
            var word = words[i];
            if (word.Equals("IN", StringComparison.OrdinalIgnoreCase) && !sawClass)
            {
                sawClass = true;
            }
            else if (uint.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && ttl is null)
            {
                ttl = number;
            }
            else if (i == 0)
            {
                owner = Absolute(word);
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True if <paramref name="actual"/> is this record (owner and TTL only when given).</summary>
    public bool Matches(LocalRecord actual) =>
        string.Equals(Type, actual.Type, StringComparison.Ordinal)
        && string.Equals(Data, actual.Data, StringComparison.Ordinal)
        && (Ttl is null || Ttl == actual.Ttl)
        && (Owner is null || string.Equals(Owner, Absolute(actual.Owner), StringComparison.Ordinal));

    /// <inheritdoc />
    public override string ToString()
    {
        var text = Owner is null ? "" : Owner + " ";
        text += Ttl is null ? "" : Ttl.Value.ToString(CultureInfo.InvariantCulture) + " ";
        return text + (Owner is null && Ttl is null ? "" : "IN ") + Type + " " + Data;
    }

    private static string Absolute(string name) => (name.EndsWith('.') ? name : name + ".").ToLowerInvariant();

    /// <summary>The text after the first <paramref name="count"/> words, as written (spaces inside data kept).</summary>
    private static string RestAfter(string line, int count)
    {
        var i = 0;
        var text = line.AsSpan();
        for (var word = 0; word < count; word++)
        {
            while (i < text.Length && text[i] is ' ' or '\t')
            {
                i++;
            }

            while (i < text.Length && text[i] is not (' ' or '\t'))
            {
                i++;
            }
        }

        return line[i..].Trim();
    }
}
