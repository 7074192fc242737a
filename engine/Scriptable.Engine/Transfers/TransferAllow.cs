using System.Net;

namespace Scriptable.Engine.Transfers;

/// <summary>
/// One entry of a zone's <c>Transfer:Allow</c> list: a network (<c>192.0.2.0/24</c>, <c>2001:db8::1</c>), a TSIG key
/// (<c>key:NAME</c>), or both (<c>192.0.2.7 key:NAME</c>: that address, signed with that key).
/// </summary>
/// <param name="Network">The clients' network, or null for any address.</param>
/// <param name="Key">The key the query must be signed with, or null for any (or none).</param>
public sealed record TransferAllow(IPNetwork? Network, TsigKey? Key)
{
    /// <summary>True when a query from <paramref name="address"/>, verified with <paramref name="key"/> (null: unsigned), matches.</summary>
    public bool Matches(IPAddress address, TsigKey? key) =>
        (Network is not { } network || network.Contains(address)) && (Key is null || ReferenceEquals(Key, key));

    /// <summary>Reads an entry; a key must be in <paramref name="keys"/>.</summary>
    public static bool TryParse(string text, TsigKeyRing keys, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TransferAllow? allow, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(keys);
        allow = null;
        IPNetwork? network = null;
        TsigKey? key = null;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length is 0 or > 2)
        {
            error = $"'{text}' is not an address, a network, 'key:NAME' or 'ADDRESS key:NAME'";
            return false;
        }

        foreach (var part in parts)
        {
            if (part.StartsWith("key:", StringComparison.OrdinalIgnoreCase))
            {
                if (key is not null)
                {
                    error = $"'{text}' names two keys";
                    return false;
                }

                if (!TryKey(part[4..], keys, out key, out error))
                {
                    return false;
                }
            }
            else if (network is not null || !TryNetwork(part, out network))
            {
                error = $"'{part}' is not an address or a network such as 192.0.2.0/24 or 2001:db8::/32 (a key is written key:NAME)";
                return false;
            }
        }

        allow = new TransferAllow(network, key);
        error = "";
        return true;
    }

    /// <summary>The key named <paramref name="name"/>, or an error naming the known ones.</summary>
    internal static bool TryKey(string name, TsigKeyRing keys, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TsigKey? key, out string error)
    {
        key = keys.Find(name);
        if (key is null)
        {
            var known = string.Join(", ", keys.Keys.Select(k => k.DisplayName).Order(StringComparer.Ordinal));
            error = $"no TSIG key is named '{name}' (Tsig:Keys holds {(known.Length == 0 ? "none" : known)})";
            return false;
        }

        error = "";
        return true;
    }

    private static bool TryNetwork(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPNetwork? network)
    {
        network = null;
        if (text.Contains('/'))
        {
            if (IPNetwork.TryParse(text, out var parsed))
            {
                network = parsed;
            }
        }
        else if (IPAddress.TryParse(text, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }

        return network is not null;
    }

    /// <inheritdoc />
    public override string ToString() => (Network?.ToString(), Key?.DisplayName) switch
    {
        ({ } n, { } k) => $"{n} key:{k}",
        ({ } n, null) => n,
        (null, { } k) => "key:" + k,
        _ => "any",
    };
}
