using System.Buffers.Binary;
using Scriptable.Engine.Zones;

using Scriptable.Policies;

namespace Scriptable.Engine.Protocol;

/// <summary>
/// Writes a DNS message into a caller-owned buffer with name compression (RFC 1035 section 4.1.4).
/// Writes past <see cref="Limit"/> are not performed and set <see cref="Overflowed"/>; callers take a
/// <see cref="Mark"/> before each RRset and restore it on overflow, so a message never holds a partial RRset.
/// One instance per query context, reused; nothing is allocated per message.
/// </summary>
internal sealed class MessageWriter
{
    private const int MaxEntries = 96;
    private const int MaxPointerOffset = 0x3FFF;

    private readonly uint[] _hashes = new uint[MaxEntries];
    private readonly ushort[] _offsets = new ushort[MaxEntries];
    private byte[] _buffer = [];
    private int _entries;

    /// <summary>Current write position (the message length so far).</summary>
    public int Position { get; private set; }

    /// <summary>Writes must end at or before this offset.</summary>
    public int Limit { get; set; }

    /// <summary>True if a write since the last reset or restore did not fit.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>The buffer being written.</summary>
    public Span<byte> Buffer => _buffer;

    /// <summary>Starts a new message.</summary>
    public void Reset(byte[] buffer, int limit)
    {
        _buffer = buffer;
        Limit = Math.Min(limit, buffer.Length);
        Position = 0;
        Overflowed = false;
        _entries = 0;
    }

    /// <summary>Captures the position and the compression table.</summary>
    public Mark Save() => new(Position, _entries);

    /// <summary>Forgets everything written after <paramref name="mark"/> and clears the overflow.</summary>
    public void Restore(Mark mark)
    {
        Position = mark.Position;
        _entries = mark.Entries;
        Overflowed = false;
    }

    /// <summary>Writes a 16-bit big-endian value.</summary>
    public void WriteUInt16(int value)
    {
        if (Reserve(2))
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(Position), (ushort)value);
            Position += 2;
        }
    }

    /// <summary>Writes a 32-bit big-endian value.</summary>
    public void WriteUInt32(uint value)
    {
        if (Reserve(4))
        {
            BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(Position), value);
            Position += 4;
        }
    }

    /// <summary>Writes raw bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (Reserve(bytes.Length))
        {
            bytes.CopyTo(_buffer.AsSpan(Position));
            Position += bytes.Length;
        }
    }

    /// <summary>Overwrites a 16-bit value already written.</summary>
    public void PatchUInt16(int offset, int value) =>
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(offset), (ushort)value);

    /// <summary>Writes a compression pointer to <paramref name="offset"/>.</summary>
    public void WritePointer(int offset) => WriteUInt16(0xC000 | offset);

    /// <summary>
    /// Makes a name already in the buffer (such as the question) available as a compression target.
    /// </summary>
    public void RegisterName(int offset, ReadOnlySpan<byte> labelOffsets, ReadOnlySpan<uint> suffixHashes) =>
        Register(offset, labelOffsets, suffixHashes, labelOffsets.Length);

    /// <summary>Writes a name, compressed against the names written so far.</summary>
    public void WriteName(DnsName name)
    {
        var lower = name.LowerWire;
        var labelOffsets = name.LabelOffsets;
        var hashes = name.SuffixHashes;
        for (var i = 0; i < labelOffsets.Length; i++)
        {
            var target = Find(hashes[i], lower[labelOffsets[i]..]);
            if (target >= 0)
            {
                var start = Position;
                WriteBytes(name.Wire[..labelOffsets[i]]);
                WritePointer(target);
                if (!Overflowed)
                {
                    Register(start, labelOffsets, hashes, i);
                }

                return;
            }
        }

        var begin = Position;
        WriteBytes(name.Wire);
        if (!Overflowed)
        {
            Register(begin, labelOffsets, hashes, labelOffsets.Length);
        }
    }

    /// <summary>
    /// Writes every record of an RRset. <paramref name="owner"/> null means the question name (a pointer to
    /// offset 12, which also echoes the client's 0x20 case). Check <see cref="Overflowed"/> afterwards.
    /// </summary>
    public void WriteRRset(RRset set, DnsName? owner, uint ttl) => WriteRRset(set, owner, ttl, RecordOrder.AsGiven, 0);

    /// <summary>
    /// Writes every record of an RRset in an order: as given, rotated to start at record
    /// <paramref name="rotation"/> (modulo the count), or shuffled (a random permutation, for RRsets of up to
    /// 256 records; larger ones are written as given).
    /// </summary>
    public void WriteRRset(RRset set, DnsName? owner, uint ttl, RecordOrder order, int rotation)
    {
        var records = set.Records;
        var count = records.Length;
        Span<byte> permutation = stackalloc byte[order == RecordOrder.Shuffled && count is > 1 and <= 256 ? count : 0];
        if (!permutation.IsEmpty)
        {
            for (var i = 0; i < count; i++)
            {
                permutation[i] = (byte)i;
            }

            Random.Shared.Shuffle(permutation);
        }

        var start = order == RecordOrder.Rotated && count > 1 ? rotation % count : 0;
        var ownerOffset = -1;
        for (var n = 0; n < count; n++)
        {
            var r = !permutation.IsEmpty ? permutation[n] : start == 0 ? n : (n + start) % count;
            if (owner is null)
            {
                WritePointer(12);
            }
            else if (ownerOffset >= 0)
            {
                WritePointer(ownerOffset);
            }
            else
            {
                var begin = Position;
                WriteName(owner);
                ownerOffset = begin <= MaxPointerOffset ? begin : -1;
            }

            WriteUInt16(set.Type);
            WriteUInt16(set.Class);
            WriteUInt32(ttl);
            var lengthAt = Position;
            WriteUInt16(0);
            WriteRData(records[r], set.CompressNames);
            if (Overflowed)
            {
                return;
            }

            PatchUInt16(lengthAt, Position - lengthAt - 2);
        }
    }

    /// <summary>Writes RDATA, compressing embedded names when the type allows it.</summary>
    public void WriteRData(RData rdata, bool compressNames)
    {
        var names = rdata.Names;
        if (!compressNames || names.Length == 0)
        {
            WriteBytes(rdata.Wire);
            return;
        }

        var wire = rdata.Wire;
        var pos = 0;
        foreach (var name in names)
        {
            WriteBytes(wire[pos..name.Offset]);
            WriteName(name.Name);
            pos = name.Offset + name.Name.WireLength;
        }

        WriteBytes(wire[pos..]);
    }

    private bool Reserve(int count)
    {
        if (Overflowed || Position + count > Limit)
        {
            Overflowed = true;
            return false;
        }

        return true;
    }

    private void Register(int start, ReadOnlySpan<byte> labelOffsets, ReadOnlySpan<uint> hashes, int count)
    {
        for (var i = 0; i < count && _entries < MaxEntries; i++)
        {
            var offset = start + labelOffsets[i];
            if (offset > MaxPointerOffset)
            {
                return;
            }

            _hashes[_entries] = hashes[i];
            _offsets[_entries] = (ushort)offset;
            _entries++;
        }
    }

    private int Find(uint hash, ReadOnlySpan<byte> lowerSuffix)
    {
        for (var e = 0; e < _entries; e++)
        {
            if (_hashes[e] == hash && MatchesAt(_offsets[e], lowerSuffix))
            {
                return _offsets[e];
            }
        }

        return -1;
    }

    /// <summary>Compares the (possibly compressed) name at <paramref name="offset"/> with a lowered wire name.</summary>
    private bool MatchesAt(int offset, ReadOnlySpan<byte> lowerSuffix)
    {
        var buffer = _buffer;
        var pos = offset;
        var i = 0;
        for (var hops = 0; hops < 128; hops++)
        {
            int len = buffer[pos];
            if ((len & 0xC0) == 0xC0)
            {
                pos = ((len & 0x3F) << 8) | buffer[pos + 1];
                continue;
            }

            if (i >= lowerSuffix.Length || lowerSuffix[i] != len)
            {
                return false;
            }

            if (len == 0)
            {
                return i == lowerSuffix.Length - 1;
            }

            for (var j = 1; j <= len; j++)
            {
                if (NameHash.Lower(buffer[pos + j]) != lowerSuffix[i + j])
                {
                    return false;
                }
            }

            pos += len + 1;
            i += len + 1;
        }

        return false;
    }

    /// <summary>A saved writer position.</summary>
    public readonly record struct Mark(int Position, int Entries);
}
