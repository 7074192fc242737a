using System.Globalization;
using System.Text;

namespace Scriptable.Engine.Protocol;

/// <summary>
/// An absolute domain name, held in uncompressed wire format as written (case kept for output) and
/// lowered (for lookups), with the offsets and hashes of every suffix precomputed for name compression.
/// Immutable; equality ignores ASCII case.
/// </summary>
public sealed class DnsName : IEquatable<DnsName>
{
    /// <summary>Longest name in wire format (RFC 1035 section 2.3.4).</summary>
    public const int MaxWireLength = 255;

    /// <summary>Longest label.</summary>
    public const int MaxLabelLength = 63;

    private readonly byte[] _wire;
    private readonly byte[] _lower;
    private readonly byte[] _labelOffsets;
    private readonly uint[] _suffixHashes;

    /// <summary>The root name, <c>.</c>.</summary>
    public static DnsName Root { get; } = new([0]);

    private DnsName(byte[] wire)
    {
        _wire = wire;
        _lower = new byte[wire.Length];
        NameHash.CopyLower(wire, _lower);
        var offsets = new List<byte>(8);
        var pos = 0;
        while (wire[pos] != 0)
        {
            offsets.Add((byte)pos);
            pos += wire[pos] + 1;
        }

        _labelOffsets = [.. offsets];
        _suffixHashes = new uint[_labelOffsets.Length];
        for (var i = 0; i < _labelOffsets.Length; i++)
        {
            _suffixHashes[i] = NameHash.Compute(_lower.AsSpan(_labelOffsets[i]));
        }
    }

    /// <summary>The name in wire format, case as written.</summary>
    public ReadOnlySpan<byte> Wire => _wire;

    /// <summary>The name in wire format with ASCII letters lowered.</summary>
    public ReadOnlySpan<byte> LowerWire => _lower;

    /// <summary>Number of labels, not counting the root.</summary>
    public int LabelCount => _labelOffsets.Length;

    /// <summary>Length in wire format, including the root octet.</summary>
    public int WireLength => _wire.Length;

    /// <summary>True for the root name.</summary>
    public bool IsRoot => _wire.Length == 1;

    /// <summary>True if the first label is <c>*</c>.</summary>
    public bool IsWildcard => _wire.Length > 2 && _wire[0] == 1 && _wire[1] == (byte)'*';

    internal ReadOnlySpan<byte> LabelOffsets => _labelOffsets;

    internal ReadOnlySpan<uint> SuffixHashes => _suffixHashes;

    /// <summary>Hash of the lowered wire name, as <see cref="NameTable{T}"/> computes it.</summary>
    internal uint Hash => _suffixHashes.Length == 0 ? NameHash.Compute(_lower) : _suffixHashes[0];

    /// <summary>Builds a name from uncompressed wire bytes; validates label and total lengths.</summary>
    public static DnsName FromWire(ReadOnlySpan<byte> wire)
    {
        if (!IsValidWire(wire))
        {
            throw new FormatException("Not an uncompressed wire-format name.");
        }

        return wire.Length == 1 ? Root : new DnsName(wire.ToArray());
    }

    /// <summary>Checks that a span is exactly one uncompressed wire-format name.</summary>
    public static bool IsValidWire(ReadOnlySpan<byte> wire)
    {
        if (wire.Length is 0 or > MaxWireLength)
        {
            return false;
        }

        var pos = 0;
        while (pos < wire.Length)
        {
            int len = wire[pos];
            if (len == 0)
            {
                return pos == wire.Length - 1;
            }

            if (len > MaxLabelLength)
            {
                return false;
            }

            pos += len + 1;
        }

        return false;
    }

    /// <summary>Parses an absolute name such as <c>www.example.org.</c>; see <see cref="TryParse(string, DnsName?, out DnsName?, out string?)"/>.</summary>
    public static DnsName Parse(string text)
    {
        if (!TryParse(text, null, out var name, out var error))
        {
            throw new FormatException(error);
        }

        return name;
    }

    /// <summary>
    /// Parses presentation format (RFC 1035 section 5.1): <c>\.</c> and <c>\DDD</c> escapes, <c>@</c> for the
    /// origin, and names without a trailing dot are relative to <paramref name="origin"/>.
    /// </summary>
    public static bool TryParse(string text, DnsName? origin, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DnsName? name, out string? error)
    {
        name = null;
        error = null;
        if (text.Length == 0)
        {
            error = "empty name";
            return false;
        }

        if (text == "@")
        {
            if (origin is null)
            {
                error = "'@' used with no origin";
                return false;
            }

            name = origin;
            return true;
        }

        if (text == ".")
        {
            name = Root;
            return true;
        }

        Span<byte> buffer = stackalloc byte[MaxWireLength + 1 + 256];
        var pos = 1;
        var labelStart = 0;
        var labelLength = 0;
        var absolute = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.')
            {
                if (labelLength == 0)
                {
                    error = $"empty label in '{text}'";
                    return false;
                }

                buffer[labelStart] = (byte)labelLength;
                labelStart = pos;
                pos++;
                labelLength = 0;
                if (i == text.Length - 1)
                {
                    absolute = true;
                }

                continue;
            }

            byte b;
            if (c == '\\')
            {
                if (i + 1 >= text.Length)
                {
                    error = $"dangling escape in '{text}'";
                    return false;
                }

                if (char.IsAsciiDigit(text[i + 1]))
                {
                    if (i + 3 >= text.Length)
                    {
                        error = $"short \\DDD escape in '{text}'";
                        return false;
                    }

                    if (!char.IsAsciiDigit(text[i + 2]) || !char.IsAsciiDigit(text[i + 3])
                        || !int.TryParse(text.AsSpan(i + 1, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > 255)
                    {
                        error = $"bad \\DDD escape in '{text}'";
                        return false;
                    }

                    b = (byte)value;
                    i += 3;
                }
                else
                {
                    b = (byte)text[i + 1];
                    if (text[i + 1] > 0x7F)
                    {
                        error = $"non-ASCII character in '{text}'";
                        return false;
                    }

                    i++;
                }
            }
            else
            {
                if (c > 0x7F || char.IsWhiteSpace(c))
                {
                    error = $"character '{c}' not allowed in name '{text}' (use \\DDD)";
                    return false;
                }

                b = (byte)c;
            }

            labelLength++;
            if (labelLength > MaxLabelLength)
            {
                error = $"label longer than 63 octets in '{text}'";
                return false;
            }

            if (pos >= MaxWireLength)
            {
                error = $"name longer than 255 octets: '{text}'";
                return false;
            }

            buffer[pos++] = b;
        }

        if (!absolute)
        {
            buffer[labelStart] = (byte)labelLength;
            if (origin is null)
            {
                error = $"relative name '{text}' with no origin";
                return false;
            }

            var total = pos + origin.WireLength;
            if (total > MaxWireLength)
            {
                error = $"name longer than 255 octets: '{text}' + origin '{origin}'";
                return false;
            }

            origin.Wire.CopyTo(buffer[pos..]);
            pos = total;
        }
        else
        {
            buffer[labelStart] = 0;
            pos = labelStart + 1;
        }

        name = new DnsName(buffer[..pos].ToArray());
        return true;
    }

    /// <summary>The name with its first <paramref name="labels"/> labels removed.</summary>
    public DnsName StripLeft(int labels)
    {
        if (labels == 0)
        {
            return this;
        }

        if (labels >= LabelCount)
        {
            return Root;
        }

        return new DnsName(_wire.AsSpan(_labelOffsets[labels]).ToArray());
    }

    /// <summary>The immediate parent; the root's parent is the root.</summary>
    public DnsName Parent => StripLeft(1);

    /// <summary>True if this name equals <paramref name="ancestor"/> or lies below it.</summary>
    public bool IsSubdomainOf(DnsName ancestor)
    {
        var skip = LabelCount - ancestor.LabelCount;
        if (skip < 0)
        {
            return false;
        }

        var start = skip == LabelCount ? _wire.Length - 1 : _labelOffsets[skip];
        return _lower.AsSpan(start).SequenceEqual(ancestor._lower);
    }

    /// <summary>
    /// This name with its suffix <paramref name="from"/> replaced by <paramref name="to"/> (DNAME substitution,
    /// RFC 6672 section 2.2); false when the result is longer than 255 octets. This name must lie below <paramref name="from"/>.
    /// </summary>
    public bool TryReplaceSuffix(DnsName from, DnsName to, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DnsName? result)
    {
        var keep = _labelOffsets[LabelCount - from.LabelCount];
        if (keep + to._wire.Length > MaxWireLength)
        {
            result = null;
            return false;
        }

        var wire = new byte[keep + to._wire.Length];
        _wire.AsSpan(0, keep).CopyTo(wire);
        to._wire.CopyTo(wire, keep);
        result = new DnsName(wire);
        return true;
    }

    /// <summary>Prepends one label (used for <c>*</c> and relative owner names).</summary>
    public DnsName Prepend(ReadOnlySpan<byte> label)
    {
        if (label.Length is 0 or > MaxLabelLength || label.Length + 1 + _wire.Length > MaxWireLength)
        {
            throw new ArgumentException("Label does not fit.", nameof(label));
        }

        var wire = new byte[label.Length + 1 + _wire.Length];
        wire[0] = (byte)label.Length;
        label.CopyTo(wire.AsSpan(1));
        _wire.CopyTo(wire, label.Length + 1);
        return new DnsName(wire);
    }

    /// <summary>Presentation format with a trailing dot and RFC 1035 escapes.</summary>
    public override string ToString()
    {
        if (IsRoot)
        {
            return ".";
        }

        var sb = new StringBuilder(_wire.Length + 4);
        var pos = 0;
        while (_wire[pos] != 0)
        {
            int len = _wire[pos++];
            for (var i = 0; i < len; i++)
            {
                var b = _wire[pos + i];
                if (b is (byte)'.' or (byte)'\\' or (byte)'"' or (byte)'(' or (byte)')' or (byte)';' or (byte)'$' or (byte)'@')
                {
                    sb.Append('\\').Append((char)b);
                }
                else if (b <= 0x20 || b >= 0x7F)
                {
                    sb.Append('\\').Append(b.ToString("D3", CultureInfo.InvariantCulture));
                }
                else
                {
                    sb.Append((char)b);
                }
            }

            sb.Append('.');
            pos += len;
        }

        return sb.ToString();
    }

    /// <inheritdoc />
    public bool Equals(DnsName? other) => other is not null && _lower.AsSpan().SequenceEqual(other._lower);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as DnsName);

    /// <inheritdoc />
    public override int GetHashCode() => (int)Hash;
}
