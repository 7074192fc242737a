using System.Buffers.Binary;
using System.Text;

namespace Scriptable.Engine.Isolation;

/// <summary>
/// Builds one message between the server and a worker in a buffer it keeps and grows: a 4-octet little-endian
/// length, then the kind and the fields. Reused for every message of a channel, so steady-state queries
/// allocate nothing.
/// </summary>
internal sealed class WireWriter
{
    /// <summary>The largest message either side accepts.</summary>
    public const int MaxMessage = 64 * 1024 * 1024;

    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a writer with an initial buffer.</summary>
    public WireWriter(int capacity = 4096)
    {
        _buffer = new byte[capacity];
    }

    /// <summary>Starts a message of <paramref name="kind"/>, forgetting the previous one.</summary>
    public void Begin(byte kind)
    {
        _length = 4;
        WriteByte(kind);
    }

    /// <summary>Writes the length and returns the whole message.</summary>
    public ReadOnlySpan<byte> Finish()
    {
        if (_length > MaxMessage)
        {
            throw new InvalidDataException($"a message of {_length} octets is larger than {MaxMessage}");
        }

        BinaryPrimitives.WriteInt32LittleEndian(_buffer, _length - 4);
        return _buffer.AsSpan(0, _length);
    }

    /// <summary>Writes one octet.</summary>
    public void WriteByte(byte value) => Reserve(1)[0] = value;

    /// <summary>Writes a boolean as one octet.</summary>
    public void WriteBool(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    /// <summary>Writes 16 bits.</summary>
    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

    /// <summary>Writes 16 bits, signed.</summary>
    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16LittleEndian(Reserve(2), value);

    /// <summary>Writes 32 bits.</summary>
    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

    /// <summary>Writes 32 bits, unsigned.</summary>
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    /// <summary>Writes 64 bits.</summary>
    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    /// <summary>Writes octets after their 32-bit length.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteInt32(value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    /// <summary>Writes UTF-8 text after its 32-bit length (-1 for null).</summary>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt32(-1);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        WriteInt32(length);
        Encoding.UTF8.GetBytes(value, Reserve(length));
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
