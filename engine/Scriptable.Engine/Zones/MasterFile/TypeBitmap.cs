using System.Text;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// The type bitmaps of NSEC, NSEC3 and CSYNC (RFC 4034 section 4.1.2): windows of 256 types, each a window number,
/// a length of 1-32 octets and the bits of the types present, most significant bit first.
/// </summary>
internal static class TypeBitmap
{
    /// <summary>Writes the bitmap of the types named by <paramref name="fields"/> (mnemonics or TYPEnnn, any order, repeats allowed).</summary>
    public static string? Write(ReadOnlySpan<MasterFileToken> fields, WireBuilder w, string what)
    {
        var types = new SortedSet<ushort>();
        foreach (var field in fields)
        {
            if (!RecordType.TryParse(field.Text, out var type))
            {
                return $"bad type '{field.Text}' in {what}";
            }

            types.Add(type);
        }

        Write(types, w);
        return null;
    }

    /// <summary>Writes the bitmap of a set of types, in ascending order.</summary>
    public static void Write(SortedSet<ushort> types, WireBuilder w)
    {
        Span<byte> bits = stackalloc byte[32];
        var window = -1;
        var length = 0;
        foreach (var type in types)
        {
            if (type >> 8 != window)
            {
                Flush(window, bits, length, w);
                window = type >> 8;
                bits.Clear();
                length = 0;
            }

            var low = type & 0xFF;
            bits[low >> 3] |= (byte)(0x80 >> (low & 7));
            length = (low >> 3) + 1;
        }

        Flush(window, bits, length, w);
    }

    /// <summary>Appends the types of a bitmap as mnemonics separated by spaces; false if the bitmap is malformed.</summary>
    public static bool Append(ReadOnlySpan<byte> bitmap, StringBuilder sb)
    {
        var last = -1;
        while (bitmap.Length > 0)
        {
            if (bitmap.Length < 2 || bitmap[0] <= last || bitmap[1] is 0 or > 32 || bitmap.Length < 2 + bitmap[1])
            {
                return false;
            }

            int window = bitmap[0];
            last = window;
            var bits = bitmap.Slice(2, bitmap[1]);
            for (var i = 0; i < bits.Length * 8; i++)
            {
                if ((bits[i >> 3] & (0x80 >> (i & 7))) != 0)
                {
                    (sb.Length == 0 ? sb : sb.Append(' ')).Append(RecordType.ToText((ushort)((window << 8) | i)));
                }
            }

            bitmap = bitmap[(2 + bits.Length)..];
        }

        return true;
    }

    private static void Flush(int window, ReadOnlySpan<byte> bits, int length, WireBuilder w)
    {
        if (window < 0)
        {
            return;
        }

        w.WriteByte((byte)window);
        w.WriteByte((byte)length);
        w.WriteBytes(bits[..length]);
    }
}
