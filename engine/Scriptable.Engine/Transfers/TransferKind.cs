namespace Scriptable.Engine.Transfers;

/// <summary>What a transfer's answer carries.</summary>
public enum TransferKind
{
    /// <summary>The whole zone (AXFR, or an IXFR the journal could not answer).</summary>
    Full,

    /// <summary>The differences since the client's serial (IXFR from the journal).</summary>
    Incremental,

    /// <summary>The current SOA alone: the client is up to date, or the UDP answer would not fit.</summary>
    SoaOnly,
}
