using System.Runtime.CompilerServices;

namespace Scriptable.Engine.Protocol;

/// <summary>
/// Case-insensitive hashing and comparison of uncompressed wire-format names. Length octets are at most
/// 63, below 'A', so lowering every octet of a wire name lowers exactly its ASCII letters.
/// </summary>
internal static class NameHash
{
    /// <summary>Lowers one octet if it is an ASCII capital letter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Lower(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;

    /// <summary>FNV-1a over the lowered octets of a wire name.</summary>
    public static uint Compute(ReadOnlySpan<byte> wire)
    {
        uint hash = 2166136261;
        foreach (var b in wire)
        {
            hash = (hash ^ Lower(b)) * 16777619;
        }

        return hash;
    }

    /// <summary>Copies a wire name lowering its letters.</summary>
    public static void CopyLower(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = Lower(source[i]);
        }
    }

    /// <summary>Compares two wire names ignoring ASCII case.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && Lower(a[i]) != Lower(b[i]))
            {
                return false;
            }
        }

        return true;
    }
}
