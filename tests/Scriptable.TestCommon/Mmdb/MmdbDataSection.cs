using System.Buffers.Binary;
using System.Collections;
using System.Numerics;
using System.Text;

namespace Scriptable.TestCommon.Mmdb;

/// <summary>
/// The data section of a MaxMind DB file: values encoded as the spec's fields, each distinct record written once.
/// With <c>pointers</c> on, a repeated nested value (a map, an array, a string or number longer than a pointer,
/// map keys included) is written once and referenced by a pointer afterwards, as MaxMind's writers do.
/// </summary>
internal sealed class MmdbDataSection(bool pointers)
{
    // Data field types of the MaxMind DB format 2.0.
    private const int Pointer = 1;
    private const int Utf8String = 2;
    private const int Double = 3;
    private const int Bytes = 4;
    private const int Uint16 = 5;
    private const int Uint32 = 6;
    private const int Map = 7;
    private const int Int32 = 8;
    private const int Uint64 = 9;
    private const int Uint128 = 10;
    private const int Array = 11;
    private const int Boolean = 14;
    private const int Float = 15;

    // A pointer takes 2 to 5 bytes; shorter values are cheaper inline.
    private const int MinPointerTarget = 6;

    private static readonly BigInteger MaxUint128 = (BigInteger.One << 128) - 1;

    private readonly List<byte> _data = [];
    private readonly Dictionary<byte[], int> _offsets = new(ByteArrayComparer.Instance);

    /// <summary>The number of bytes written.</summary>
    public int Length => _data.Count;

    /// <summary>The bytes written so far.</summary>
    public byte[] ToArray() => [.. _data];

    /// <summary>Writes a record unless an equal one is already there; returns its offset in the data section.</summary>
    public int Add(object record)
    {
        var standalone = Standalone(record, "");
        if (_offsets.TryGetValue(standalone, out var offset))
        {
            return offset;
        }

        offset = _data.Count;
        _offsets[standalone] = offset;
        if (pointers)
        {
            WriteField(_data, record, "", WriteNested);
        }
        else
        {
            _data.AddRange(standalone);
        }

        return offset;
    }

    /// <summary>Encodes a value on its own (no pointers): the metadata section, and the key values are compared by.</summary>
    public static byte[] Standalone(object value, string path)
    {
        var output = new List<byte>();
        Action<List<byte>, object, string>? inline = null;
        inline = (o, v, p) => WriteField(o, v, p, inline!);
        WriteField(output, value, path, inline);
        return [.. output];
    }

    private void WriteNested(List<byte> output, object value, string path)
    {
        var standalone = Standalone(value, path);
        if (standalone.Length < MinPointerTarget)
        {
            output.AddRange(standalone);
            return;
        }

        if (_offsets.TryGetValue(standalone, out var target))
        {
            WritePointer(output, target);
            return;
        }

        // The field starts here, so later equal values can point at it.
        _offsets[standalone] = output.Count;
        WriteField(output, value, path, WriteNested);
    }

    private static void WriteField(List<byte> output, object? value, string path, Action<List<byte>, object, string> nested)
    {
        switch (value)
        {
            case null:
                throw new ArgumentException($"The value at {At(path)} is null; a MaxMind DB has no null: leave the key out.");
            case string text:
                var utf8 = Encoding.UTF8.GetBytes(text);
                WriteControl(output, Utf8String, utf8.Length);
                output.AddRange(utf8);
                break;
            case bool flag:
                WriteControl(output, Boolean, flag ? 1 : 0);
                break;
            case double number:
                WriteControl(output, Double, 8);
                Span<byte> eight = stackalloc byte[8];
                BinaryPrimitives.WriteDoubleBigEndian(eight, number);
                output.AddRange(eight);
                break;
            case float number:
                WriteControl(output, Float, 4);
                Span<byte> four = stackalloc byte[4];
                BinaryPrimitives.WriteSingleBigEndian(four, number);
                output.AddRange(four);
                break;
            case ushort number:
                WriteUnsigned(output, Uint16, number);
                break;
            case uint number:
                WriteUnsigned(output, Uint32, number);
                break;
            case ulong number:
                WriteUnsigned(output, Uint64, number);
                break;
            case long number:
                if (number < 0)
                {
                    throw new ArgumentException($"The value at {At(path)} is the negative long {number}; a long is written as uint64, use an int for int32.");
                }

                WriteUnsigned(output, Uint64, (ulong)number);
                break;
            case int number:
                WriteInt32(output, number);
                break;
            case BigInteger number:
                if (number.Sign < 0 || number > MaxUint128)
                {
                    throw new ArgumentException($"The value at {At(path)} is {number}, outside uint128 (0 to 2^128-1).");
                }

                var big = number.ToByteArray(isUnsigned: true, isBigEndian: true);
                var skip = number.IsZero ? big.Length : 0;
                WriteControl(output, Uint128, big.Length - skip);
                output.AddRange(big.AsSpan(skip).ToArray());
                break;
            case byte[] bytes:
                WriteControl(output, Bytes, bytes.Length);
                output.AddRange(bytes);
                break;
            case IDictionary map:
                WriteMap(output, MapEntries(map, path), path, nested);
                break;
            case IReadOnlyDictionary<string, object> map:
                WriteMap(output, [.. map.Select(e => (e.Key, (object?)e.Value))], path, nested);
                break;
            case IEnumerable items:
                var list = items.Cast<object?>().ToList();
                WriteControl(output, Array, list.Count);
                for (var i = 0; i < list.Count; i++)
                {
                    var item = list[i] ?? throw new ArgumentException($"The value at '{path}[{i}]' is null; a MaxMind DB has no null.");
                    nested(output, item, $"{path}[{i}]");
                }

                break;
            default:
                throw new ArgumentException(
                    $"The value at {At(path)} is a {value.GetType().Name}, which has no MaxMind DB type here. Use string, bool, double, float, " +
                    "int (int32), uint (uint32), ushort (uint16), ulong or non-negative long (uint64), BigInteger (uint128), byte[], " +
                    "a dictionary with string keys (map) or a list or array (array).");
        }
    }

    private static string At(string path) => path.Length == 0 ? "the top level" : $"'{path}'";

    private static List<(string Key, object? Value)> MapEntries(IDictionary map, string path)
    {
        var entries = new List<(string, object?)>(map.Count);
        foreach (DictionaryEntry entry in map)
        {
            if (entry.Key is not string key)
            {
                throw new ArgumentException($"The map at {At(path)} has the key '{entry.Key}' of type {entry.Key.GetType().Name}; map keys must be strings.");
            }

            entries.Add((key, entry.Value));
        }

        return entries;
    }

    private static void WriteMap(List<byte> output, List<(string Key, object? Value)> entries, string path, Action<List<byte>, object, string> nested)
    {
        // Keys in ordinal order: equal maps encode to equal bytes whatever order they were built in, so they deduplicate.
        entries.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        WriteControl(output, Map, entries.Count);
        foreach (var (key, value) in entries)
        {
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            nested(output, key, childPath);
            nested(output, value ?? throw new ArgumentException($"The value at '{childPath}' is null; a MaxMind DB has no null: leave the key out."), childPath);
        }
    }

    private static void WriteUnsigned(List<byte> output, int type, ulong value)
    {
        // Unsigned integers use as few bytes as the value needs; 0 has no payload at all.
        var length = (64 - BitOperations.LeadingZeroCount(value) + 7) / 8;
        WriteControl(output, type, length);
        for (var i = length - 1; i >= 0; i--)
        {
            output.Add((byte)(value >> (8 * i)));
        }
    }

    private static void WriteInt32(List<byte> output, int value)
    {
        // A payload shorter than 4 bytes is read as a positive number, so negative values take all 4.
        var length = value < 0 ? 4 : (32 - BitOperations.LeadingZeroCount((uint)value) + 7) / 8;
        WriteControl(output, Int32, length);
        for (var i = length - 1; i >= 0; i--)
        {
            output.Add((byte)(value >> (8 * i)));
        }
    }

    /// <summary>Writes the control byte, the extended type byte for types above 7, and the size bytes.</summary>
    private static void WriteControl(List<byte> output, int type, int size)
    {
        // Sizes from 29 on take 1, 2 or 3 more bytes, each range starting where the previous one ends.
        var (sizeBits, extraBytes, rest) = size switch
        {
            < 29 => (size, 0, 0),
            < 29 + 256 => (29, 1, size - 29),
            < 285 + 65_536 => (30, 2, size - 285),
            < 65_821 + 16_777_216 => (31, 3, size - 65_821),
            _ => throw new ArgumentException($"A field of size {size} is larger than the format allows (16,843,036)."),
        };

        if (type <= 7)
        {
            output.Add((byte)((type << 5) | sizeBits));
        }
        else
        {
            output.Add((byte)sizeBits);
            output.Add((byte)(type - 7));
        }

        for (var i = extraBytes - 1; i >= 0; i--)
        {
            output.Add((byte)(rest >> (8 * i)));
        }
    }

    private static void WritePointer(List<byte> output, int target)
    {
        // 001SSVVV: the size SS picks 11, 19 + 2048, 27 + 526,336 or 32 bits of offset.
        if (target < 2048)
        {
            output.Add((byte)((Pointer << 5) | (target >> 8)));
            output.Add((byte)target);
        }
        else if (target < 2048 + 524_288)
        {
            var value = target - 2048;
            output.Add((byte)((Pointer << 5) | (1 << 3) | (value >> 16)));
            output.Add((byte)(value >> 8));
            output.Add((byte)value);
        }
        else if (target < 526_336 + 134_217_728)
        {
            var value = target - 526_336;
            output.Add((byte)((Pointer << 5) | (2 << 3) | (value >> 24)));
            output.Add((byte)(value >> 16));
            output.Add((byte)(value >> 8));
            output.Add((byte)value);
        }
        else
        {
            output.Add((Pointer << 5) | (3 << 3));
            output.Add((byte)(target >> 24));
            output.Add((byte)(target >> 16));
            output.Add((byte)(target >> 8));
            output.Add((byte)target);
        }
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
