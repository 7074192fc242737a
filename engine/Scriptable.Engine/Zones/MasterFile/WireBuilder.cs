using System.Buffers.Binary;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>A growable buffer that RDATA is assembled in before <see cref="RData.TryFromWire"/> copies it.</summary>
internal sealed class WireBuilder
{
    private byte[] _buffer = new byte[512];

    /// <summary>Number of bytes written.</summary>
    public int Length { get; private set; }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    /// <summary>Forgets everything written, keeping the buffer.</summary>
    public void Clear() => Length = 0;

    /// <summary>Appends one octet.</summary>
    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[Length++] = value;
    }

    /// <summary>Appends a big-endian 16-bit number.</summary>
    public void WriteUInt16(ushort value)
    {
        Ensure(2);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(Length), value);
        Length += 2;
    }

    /// <summary>Appends a big-endian 32-bit number.</summary>
    public void WriteUInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(Length), value);
        Length += 4;
    }

    /// <summary>Appends raw bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>Appends a name in uncompressed wire format.</summary>
    public void WriteName(DnsName name) => WriteBytes(name.Wire);

    /// <summary>Overwrites an octet already written (a length prefix, once the length is known).</summary>
    public void SetByte(int offset, byte value) => _buffer[offset] = value;

    /// <summary>Returns room for at least <paramref name="size"/> bytes at the end; call <see cref="Advance"/> after.</summary>
    public Span<byte> GetSpan(int size)
    {
        Ensure(size);
        return _buffer.AsSpan(Length);
    }

    /// <summary>Marks bytes written into <see cref="GetSpan"/> as used.</summary>
    public void Advance(int count) => Length += count;

    private void Ensure(int size)
    {
        if (Length + size > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + size));
        }
    }
}
