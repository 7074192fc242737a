using System.Collections.Frozen;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Transfers;

/// <summary>The configured TSIG keys, found by name (case-insensitive). Immutable, part of the snapshot.</summary>
public sealed class TsigKeyRing
{
    private readonly FrozenDictionary<string, TsigKey> _keys;

    /// <summary>Creates a ring; names must be distinct.</summary>
    public TsigKeyRing(IEnumerable<TsigKey> keys)
    {
        _keys = keys.ToFrozenDictionary(k => Convert.ToHexString(k.Name.LowerWire), StringComparer.Ordinal);
    }

    /// <summary>No keys: a signed query gets BADKEY.</summary>
    public static TsigKeyRing Empty { get; } = new([]);

    /// <summary>Number of keys.</summary>
    public int Count => _keys.Count;

    /// <summary>Every key.</summary>
    public IEnumerable<TsigKey> Keys => _keys.Values;

    /// <summary>The key named <paramref name="name"/>, or null.</summary>
    public TsigKey? Find(DnsName name) => Find(name.LowerWire);

    /// <summary>The key named <paramref name="name"/> (configuration form, trailing dot optional), or null.</summary>
    public TsigKey? Find(string name) =>
        DnsName.TryParse(name.EndsWith('.') ? name : name + ".", null, out var parsed, out _) ? Find(parsed) : null;

    /// <summary>The key whose lowered wire name is <paramref name="lowerWire"/>, or null (signed queries only: this allocates).</summary>
    internal TsigKey? Find(ReadOnlySpan<byte> lowerWire) =>
        _keys.Count == 0 ? null : _keys.GetValueOrDefault(Convert.ToHexString(lowerWire));
}
