using System.Numerics;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones;

/// <summary>
/// An immutable open-addressing hash table keyed by lowered wire-format names, looked up by span so the
/// query path never builds a key object. Built once per snapshot.
/// </summary>
internal sealed class NameTable<T>
    where T : class
{
    private readonly byte[]?[] _keys;
    private readonly uint[] _hashes;
    private readonly T?[] _values;
    private readonly int _mask;

    /// <summary>Builds the table; keys are compared case-insensitively and must be distinct.</summary>
    public NameTable(IEnumerable<KeyValuePair<DnsName, T>> entries)
    {
        var list = entries as IReadOnlyCollection<KeyValuePair<DnsName, T>> ?? [.. entries];
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, list.Count * 2));
        _keys = new byte[size][];
        _hashes = new uint[size];
        _values = new T[size];
        _mask = size - 1;
        foreach (var (name, value) in list)
        {
            var hash = NameHash.Compute(name.LowerWire);
            var slot = (int)hash & _mask;
            while (_keys[slot] is { } existing)
            {
                if (existing.AsSpan().SequenceEqual(name.LowerWire))
                {
                    throw new ArgumentException($"Duplicate name '{name}'.", nameof(entries));
                }

                slot = (slot + 1) & _mask;
            }

            _keys[slot] = name.LowerWire.ToArray();
            _hashes[slot] = hash;
            _values[slot] = value;
        }

        Count = list.Count;
    }

    /// <summary>Every value, in no particular order (zone transfers walk a zone's nodes with it).</summary>
    public IEnumerable<T> Values
    {
        get
        {
            foreach (var value in _values)
            {
                if (value is not null)
                {
                    yield return value;
                }
            }
        }
    }

    /// <summary>Number of names held.</summary>
    public int Count { get; }

    /// <summary>Finds a name given in lowered wire format.</summary>
    public T? Find(ReadOnlySpan<byte> lowerWire) => Find(lowerWire, NameHash.Compute(lowerWire));

    /// <summary>Finds a name given in lowered wire format, with its precomputed hash.</summary>
    public T? Find(ReadOnlySpan<byte> lowerWire, uint hash)
    {
        var slot = (int)hash & _mask;
        while (_keys[slot] is { } key)
        {
            if (_hashes[slot] == hash && key.AsSpan().SequenceEqual(lowerWire))
            {
                return _values[slot];
            }

            slot = (slot + 1) & _mask;
        }

        return null;
    }

    /// <summary>Finds a name, case-insensitively.</summary>
    public T? Find(DnsName name) => Find(name.LowerWire, name.Hash);
}
