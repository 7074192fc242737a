namespace Scriptable.Engine.Protocol;

/// <summary>
/// The question name of the query being processed, lowered, with the offset and hash of every suffix, so
/// zone and node lookups slice it without allocating. One instance per query context, reused.
/// </summary>
internal sealed class QueryName
{
    private static readonly uint s_rootHash = NameHash.Compute([0]);

    private readonly byte[] _lower = new byte[DnsName.MaxWireLength + 1];
    private readonly byte[] _labelOffsets = new byte[128];
    private readonly uint[] _hashes = new uint[129];

    /// <summary>Wire length including the root octet.</summary>
    public int Length { get; private set; }

    /// <summary>Number of labels, not counting the root.</summary>
    public int LabelCount { get; private set; }

    /// <summary>The lowered wire name.</summary>
    public ReadOnlySpan<byte> Lower => _lower.AsSpan(0, Length);

    /// <summary>Offsets of the labels.</summary>
    public ReadOnlySpan<byte> LabelOffsets => _labelOffsets.AsSpan(0, LabelCount);

    /// <summary>Hashes of the suffixes; index <see cref="LabelCount"/> is the root.</summary>
    public ReadOnlySpan<uint> SuffixHashes => _hashes.AsSpan(0, LabelCount + 1);

    /// <summary>The name with <paramref name="skip"/> leading labels removed (skip == LabelCount: root).</summary>
    public ReadOnlySpan<byte> Suffix(int skip) => skip >= LabelCount ? _lower.AsSpan(Length - 1, 1) : _lower.AsSpan(_labelOffsets[skip], Length - _labelOffsets[skip]);

    /// <summary>Hash of <see cref="Suffix"/>.</summary>
    public uint SuffixHash(int skip) => _hashes[Math.Min(skip, LabelCount)];

    /// <summary>
    /// Reads an uncompressed name from a packet. Returns the offset after it, or -1 if it is malformed
    /// (compression pointer, reserved label type, too long, or runs past the end).
    /// </summary>
    public int Read(ReadOnlySpan<byte> packet, int offset)
    {
        var pos = offset;
        var labels = 0;
        while (true)
        {
            if (pos >= packet.Length)
            {
                return -1;
            }

            int len = packet[pos];
            if (len == 0)
            {
                break;
            }

            if (len > DnsName.MaxLabelLength || labels == _labelOffsets.Length)
            {
                return -1;
            }

            if (pos - offset + len + 2 > DnsName.MaxWireLength || pos + len + 1 > packet.Length)
            {
                return -1;
            }

            _labelOffsets[labels++] = (byte)(pos - offset);
            pos += len + 1;
        }

        var length = pos - offset + 1;
        NameHash.CopyLower(packet.Slice(offset, length), _lower);
        Length = length;
        LabelCount = labels;

        // Suffix hashes from the root up: FNV-1a is not suffix-composable, so hash each suffix; names are short.
        _hashes[labels] = s_rootHash;
        for (var i = 0; i < labels; i++)
        {
            _hashes[i] = NameHash.Compute(_lower.AsSpan(_labelOffsets[i], length - _labelOffsets[i]));
        }

        return pos + 1;
    }

    /// <summary>True if the query name equals <paramref name="name"/>, ignoring case.</summary>
    public bool Equals(DnsName name) => name.LowerWire.SequenceEqual(Lower);

    /// <summary>Copies the name out as a <see cref="DnsName"/> (allocates: for slow paths only).</summary>
    public DnsName ToDnsName() => DnsName.FromWire(Lower);
}
