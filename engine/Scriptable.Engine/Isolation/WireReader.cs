using System.Buffers.Binary;
using System.Text;

namespace Scriptable.Engine.Isolation;

/// <summary>
/// Reads the fields of one message (after its length) in the order <see cref="WireWriter"/> wrote them. A
/// message that ends early or holds a length out of range throws <see cref="InvalidDataException"/>: the channel
/// is then treated as broken.
/// </summary>
internal ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Reads <paramref name="data"/> (the message without its length).</summary>
    public WireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>True once every octet was read.</summary>
    public readonly bool AtEnd => _position == _data.Length;

    /// <summary>Reads one octet.</summary>
    public byte ReadByte() => Take(1)[0];

    /// <summary>Reads a boolean.</summary>
    public bool ReadBool() => ReadByte() != 0;

    /// <summary>Reads 16 bits.</summary>
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    /// <summary>Reads 16 bits, signed.</summary>
    public short ReadInt16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2));

    /// <summary>Reads 32 bits.</summary>
    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    /// <summary>Reads 32 bits, unsigned.</summary>
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    /// <summary>Reads 64 bits.</summary>
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>Reads octets written with their length (a view into the message, not a copy).</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = ReadInt32();
        if (length < 0)
        {
            throw new InvalidDataException("a negative length");
        }

        return Take(length);
    }

    /// <summary>Reads text (null when written as null).</summary>
    public string? ReadString()
    {
        var length = ReadInt32();
        return length < 0 ? null : Encoding.UTF8.GetString(Take(length));
    }

    /// <summary>Reads text that may not be null.</summary>
    public string ReadText() => ReadString() ?? throw new InvalidDataException("a text that may not be null was null");

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position)
        {
            throw new InvalidDataException("the message ends early");
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }
}
