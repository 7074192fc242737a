using System.Buffers.Binary;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Dnssec;

/// <summary>
/// The canonical form of an RRset (RFC 4034 section 6): owner and embedded names lowercased, records sorted by their
/// RDATA as unsigned octet strings, each written as owner, type, class, original TTL, RDLENGTH, RDATA.
/// </summary>
internal static class CanonicalRRset
{
    /// <summary>Writes one record's RDATA with its names lowercased (RFC 4034 section 6.2, item 3); returns its length.</summary>
    public static int WriteRData(RData rdata, Span<byte> destination)
    {
        var wire = rdata.Wire;
        wire.CopyTo(destination);
        foreach (var name in rdata.Names)
        {
            // Length octets are at most 63, below 'A': lowercasing the whole name leaves them alone.
            var span = destination.Slice(name.Offset, name.Name.WireLength);
            for (var i = 0; i < span.Length; i++)
            {
                if (span[i] is >= (byte)'A' and <= (byte)'Z')
                {
                    span[i] |= 0x20;
                }
            }
        }

        return wire.Length;
    }

    /// <summary>
    /// Writes the RRset's records in canonical form and order after <paramref name="prefix"/> (the RRSIG RDATA without
    /// its signature): the data an RRSIG signs (RFC 4034 section 3.1.8.1). Returns the length written.
    /// </summary>
    public static int WriteSignedData(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> ownerLower, RRset set, uint originalTtl, Span<byte> destination)
    {
        prefix.CopyTo(destination);
        var position = prefix.Length;
        var records = set.Records;
        var canonical = new byte[records.Length][];
        for (var i = 0; i < records.Length; i++)
        {
            var buffer = new byte[records[i].Wire.Length];
            WriteRData(records[i], buffer);
            canonical[i] = buffer;
        }

        Array.Sort(canonical, static (a, b) => a.AsSpan().SequenceCompareTo(b));
        for (var i = 0; i < canonical.Length; i++)
        {
            // Identical records after lowercasing are one record (RFC 4034 section 6.3).
            if (i > 0 && canonical[i].AsSpan().SequenceEqual(canonical[i - 1]))
            {
                continue;
            }

            ownerLower.CopyTo(destination[position..]);
            position += ownerLower.Length;
            BinaryPrimitives.WriteUInt16BigEndian(destination[position..], set.Type);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(position + 2)..], set.Class);
            BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 4)..], originalTtl);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(position + 8)..], (ushort)canonical[i].Length);
            position += 10;
            canonical[i].CopyTo(destination[position..]);
            position += canonical[i].Length;
        }

        return position;
    }

    /// <summary>The label count of an RRSIG for <paramref name="ownerLower"/>: its labels, not counting the root or a leading <c>*</c> (RFC 4034 section 3.1.3).</summary>
    public static byte Labels(ReadOnlySpan<byte> ownerLower)
    {
        var count = 0;
        for (var pos = 0; pos < ownerLower.Length && ownerLower[pos] != 0; pos += ownerLower[pos] + 1)
        {
            count++;
        }

        if (ownerLower.Length > 2 && ownerLower[0] == 1 && ownerLower[1] == (byte)'*')
        {
            count--;
        }

        return (byte)count;
    }
}
