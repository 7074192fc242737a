using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Dnssec;

/// <summary>
/// Compact denial of existence (RFC 9824): every negative answer is NOERROR with one NSEC owned by the name asked
/// about, whose next name is <c>\000.</c>that name (nothing else lies between them), so no name of the zone is
/// disclosed and the NSEC depends on the question only. For a name that does not exist the bitmap holds NXNAME,
/// RRSIG and NSEC; for a name without the type asked, the types it has plus RRSIG and NSEC.
/// </summary>
internal static class CompactDenial
{
    /// <summary>The NSEC RRset owned by <paramref name="owner"/> listing <paramref name="types"/> (RRSIG and NSEC are added).</summary>
    public static RRset Nsec(DnsName owner, List<ushort> types, uint ttl)
    {
        var ownerWire = owner.LowerWire;
        types.Add(RecordType.RRSIG);
        types.Add(RecordType.NSEC);
        types.Sort();
        var nextLength = ownerWire.Length + 2 <= DnsName.MaxWireLength ? ownerWire.Length + 2 : ownerWire.Length;
        var bitmap = Bitmap(types);
        var rdata = new byte[nextLength + bitmap.Length];
        if (nextLength > ownerWire.Length)
        {
            // The immediate successor of the name in canonical order: \000.name (RFC 4471 section 3.1.2.1).
            rdata[0] = 1;
            rdata[1] = 0;
            ownerWire.CopyTo(rdata.AsSpan(2));
        }
        else
        {
            ownerWire.CopyTo(rdata);
        }

        bitmap.CopyTo(rdata, nextLength);
        return new RRset(owner, RecordType.NSEC, ttl, [RData.FromWire(RecordType.NSEC, rdata)]);
    }

    /// <summary>The type bit maps field (RFC 4034 section 4.1.2) of sorted, distinct-or-repeated types.</summary>
    internal static byte[] Bitmap(List<ushort> sorted)
    {
        var output = new List<byte>();
        var i = 0;
        Span<byte> bits = stackalloc byte[32];
        while (i < sorted.Count)
        {
            var window = sorted[i] >> 8;
            bits.Clear();
            var used = 0;
            for (; i < sorted.Count && sorted[i] >> 8 == window; i++)
            {
                var low = sorted[i] & 0xFF;
                bits[low >> 3] |= (byte)(0x80 >> (low & 7));
                used = Math.Max(used, (low >> 3) + 1);
            }

            output.Add((byte)window);
            output.Add((byte)used);
            foreach (var b in bits[..used])
            {
                output.Add(b);
            }
        }

        return [.. output];
    }
}
