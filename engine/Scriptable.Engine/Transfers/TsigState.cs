namespace Scriptable.Engine.Transfers;

/// <summary>
/// The TSIG of one query and of the responses to it (RFC 8945): what the query's TSIG record said, the key it
/// named, the error to return, and the last MAC sent (the next message of a transfer is signed over it). One per
/// query context, reset for each query; its buffers are allocated once.
/// </summary>
internal sealed class TsigState
{
    /// <summary>Fudge we sign with and allow (RFC 8945 section 10: 300 seconds).</summary>
    public const int Fudge = 300;

    private readonly byte[] _keyName = new byte[256];
    private readonly byte[] _algorithm = new byte[256];
    private readonly byte[] _mac = new byte[64];
    private readonly byte[] _priorMac = new byte[64];

    /// <summary>True when the query carried a TSIG record (the last of its additional section).</summary>
    public bool Present { get; private set; }

    /// <summary>Where the TSIG record starts in the query (after the header and the other records).</summary>
    public int RecordOffset { get; private set; }

    /// <summary>The key the query named, when the ring holds it with that algorithm.</summary>
    public TsigKey? Key { get; set; }

    /// <summary>The TSIG error to return (0 when the query verified).</summary>
    public int Error { get; set; }

    /// <summary>The query's time signed (seconds since the epoch, 48 bits).</summary>
    public long TimeSigned { get; set; }

    /// <summary>The query's fudge.</summary>
    public ushort QueryFudge { get; set; }

    /// <summary>The query's original ID.</summary>
    public ushort OriginalId { get; set; }

    /// <summary>The key name as the query wrote it (uncompressed wire form).</summary>
    public ReadOnlySpan<byte> KeyName => _keyName.AsSpan(0, KeyNameLength);

    /// <summary>The algorithm name as the query wrote it.</summary>
    public ReadOnlySpan<byte> Algorithm => _algorithm.AsSpan(0, AlgorithmLength);

    /// <summary>The query's MAC.</summary>
    public ReadOnlySpan<byte> Mac => _mac.AsSpan(0, MacLength);

    /// <summary>The MAC of the last response message sent: what the next message of a transfer is signed over.</summary>
    public ReadOnlySpan<byte> PriorMac => _priorMac.AsSpan(0, PriorMacLength);

    /// <summary>Responses to this query written so far (0: the next one answers the query; more: a transfer goes on).</summary>
    public int MessagesSigned { get; set; }

    private int KeyNameLength { get; set; }

    private int AlgorithmLength { get; set; }

    private int MacLength { get; set; }

    private int PriorMacLength { get; set; }

    /// <summary>Forgets the last query.</summary>
    public void Reset()
    {
        if (Present)
        {
            Present = false;
            RecordOffset = 0;
            Key = null;
            Error = 0;
            KeyNameLength = AlgorithmLength = MacLength = PriorMacLength = 0;
            MessagesSigned = 0;
        }
    }

    /// <summary>Records that the query has a TSIG record at <paramref name="offset"/>.</summary>
    public void Found(int offset)
    {
        Present = true;
        RecordOffset = offset;
    }

    /// <summary>Keeps the names the query wrote (each at most 255 octets: checked by the reader).</summary>
    public void SetNames(ReadOnlySpan<byte> keyName, ReadOnlySpan<byte> algorithm)
    {
        keyName.CopyTo(_keyName);
        KeyNameLength = keyName.Length;
        algorithm.CopyTo(_algorithm);
        AlgorithmLength = algorithm.Length;
    }

    /// <summary>Keeps the query's MAC (at most 64 octets: checked by the reader).</summary>
    public void SetMac(ReadOnlySpan<byte> mac)
    {
        mac.CopyTo(_mac);
        MacLength = mac.Length;
    }

    /// <summary>Keeps the MAC just sent.</summary>
    public void SetPriorMac(ReadOnlySpan<byte> mac)
    {
        mac.CopyTo(_priorMac);
        PriorMacLength = mac.Length;
    }
}
