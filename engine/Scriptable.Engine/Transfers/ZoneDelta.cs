namespace Scriptable.Engine.Transfers;

/// <summary>
/// The difference between two versions of a zone (RFC 1995 section 4): the records the older one has and the newer
/// one lacks, and the other way round. The SOAs are the versions' own (their serials name the versions).
/// </summary>
/// <param name="OldSoa">The older version's SOA.</param>
/// <param name="NewSoa">The newer version's SOA.</param>
/// <param name="Removed">Records of the older version not in the newer (SOA aside).</param>
/// <param name="Added">Records of the newer version not in the older (SOA aside).</param>
public sealed record ZoneDelta(TransferRecord OldSoa, TransferRecord NewSoa, IReadOnlyList<TransferRecord> Removed, IReadOnlyList<TransferRecord> Added)
{
    /// <summary>The older version's serial.</summary>
    public uint FromSerial => ZoneRecords.Serial(OldSoa.Data);

    /// <summary>The newer version's serial.</summary>
    public uint ToSerial => ZoneRecords.Serial(NewSoa.Data);

    /// <summary>Records the delta carries, SOAs aside (what the journal's bound counts).</summary>
    public int RecordCount => Removed.Count + Added.Count;
}
