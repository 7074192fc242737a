namespace Scriptable.Engine.Transfers;

/// <summary>
/// The differences between the versions of one zone served since the server started, oldest first, each from the
/// serial the one before ends at: what IXFR answers from (RFC 1995). Immutable; bounded to <see cref="MaxDeltas"/>
/// deltas and <see cref="MaxRecords"/> records, the oldest dropped first (a client further behind gets AXFR).
/// </summary>
public sealed class ZoneJournal
{
    /// <summary>Deltas kept at most.</summary>
    public const int MaxDeltas = 100;

    /// <summary>Records (removed plus added) kept at most over all deltas.</summary>
    public const int MaxRecords = 100_000;

    private ZoneJournal(IReadOnlyList<ZoneDelta> deltas, int records)
    {
        Deltas = deltas;
        RecordCount = records;
    }

    /// <summary>No history: IXFR answers as AXFR.</summary>
    public static ZoneJournal Empty { get; } = new([], 0);

    /// <summary>The deltas, oldest first.</summary>
    public IReadOnlyList<ZoneDelta> Deltas { get; }

    /// <summary>Records held over all deltas.</summary>
    public int RecordCount { get; }

    /// <summary>
    /// This journal with <paramref name="delta"/> appended, the oldest deltas dropped to keep the bounds; a delta that
    /// does not start where the last one ends starts a new history.
    /// </summary>
    public ZoneJournal Append(ZoneDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var deltas = new List<ZoneDelta>(Deltas.Count + 1);
        if (Deltas.Count == 0 || Deltas[^1].ToSerial == delta.FromSerial)
        {
            deltas.AddRange(Deltas);
        }

        deltas.Add(delta);
        var records = 0;
        foreach (var d in deltas)
        {
            records += d.RecordCount;
        }

        var drop = 0;
        while (deltas.Count - drop > 1 && (deltas.Count - drop > MaxDeltas || records > MaxRecords))
        {
            records -= deltas[drop].RecordCount;
            drop++;
        }

        if (records > MaxRecords)
        {
            // One delta larger than the bound: not kept (AXFR serves it).
            return Empty;
        }

        return new ZoneJournal(deltas.GetRange(drop, deltas.Count - drop), records);
    }

    /// <summary>
    /// The deltas from <paramref name="fromSerial"/> to the newest, or null when the journal does not reach back to
    /// it (or does not end at <paramref name="currentSerial"/>).
    /// </summary>
    public IReadOnlyList<ZoneDelta>? From(uint fromSerial, uint currentSerial)
    {
        if (Deltas.Count == 0 || Deltas[^1].ToSerial != currentSerial)
        {
            return null;
        }

        for (var i = 0; i < Deltas.Count; i++)
        {
            if (Deltas[i].FromSerial == fromSerial)
            {
                return i == 0 ? Deltas : [.. Deltas.Skip(i)];
            }
        }

        return null;
    }
}
