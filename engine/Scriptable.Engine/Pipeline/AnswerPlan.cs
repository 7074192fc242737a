using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;
using Scriptable.Policies;

namespace Scriptable.Engine.Pipeline;

/// <summary>One RRset chosen for a response section.</summary>
/// <param name="Set">The records.</param>
/// <param name="Owner">The owner to write; null writes the question name (keeping the client's case).</param>
/// <param name="Ttl">The TTL to write (negative answers use the SOA's negative TTL).</param>
/// <param name="Required">For the additional section: true if the response must be truncated rather than omit it (in-bailiwick glue).</param>
/// <param name="Order">The order to write the records in (policy answers may rotate or shuffle them).</param>
/// <param name="Rotation">For <see cref="RecordOrder.Rotated"/>: the record to start with, modulo the count.</param>
internal readonly record struct PlannedRRset(RRset Set, DnsName? Owner, uint Ttl, bool Required = false, RecordOrder Order = RecordOrder.AsGiven, int Rotation = 0);

/// <summary>The RRsets of one response section, reused across queries.</summary>
internal sealed class PlannedSection
{
    private PlannedRRset[] _items = new PlannedRRset[8];

    /// <summary>Number of RRsets.</summary>
    public int Count { get; private set; }

    /// <summary>The RRsets.</summary>
    public ReadOnlySpan<PlannedRRset> Items => _items.AsSpan(0, Count);

    /// <summary>Adds an RRset.</summary>
    public void Add(in PlannedRRset item)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, Count * 2);
        }

        _items[Count++] = item;
    }

    /// <summary>True if the RRset is already in the section.</summary>
    public bool Contains(RRset set)
    {
        for (var i = 0; i < Count; i++)
        {
            if (ReferenceEquals(_items[i].Set, set))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Empties the section (references are cleared so old snapshots can be collected).</summary>
    public void Clear()
    {
        Array.Clear(_items, 0, Count);
        Count = 0;
    }
}

/// <summary>The answer, authority and additional sections a response will carry.</summary>
internal sealed class AnswerPlan
{
    /// <summary>The answer section.</summary>
    public PlannedSection Answer { get; } = new();

    /// <summary>The authority section.</summary>
    public PlannedSection Authority { get; } = new();

    /// <summary>The additional section (OPT is added by Finalize, not here).</summary>
    public PlannedSection Additional { get; } = new();

    /// <summary>Empties every section.</summary>
    public void Clear()
    {
        Answer.Clear();
        Authority.Clear();
        Additional.Clear();
    }
}
