using Scriptable.Policies;

namespace Scriptable.Engine.Isolation;

/// <summary>
/// The worker's side of answers on the wire. Policies return the same few answer objects again and again
/// (<c>static readonly</c> fields), so each object is sent in full once, with an id, and after that by its id
/// alone; <see cref="AnswerDecoder"/> on the server keeps the same table, slot for slot (<c>id % Slots</c>), so
/// the two never disagree on what an id means. Answers built per query get a new id each time and simply pass
/// through the table.
/// </summary>
internal sealed class AnswerEncoder
{
    /// <summary>Answers remembered per channel, on both sides.</summary>
    public const int Slots = 256;

    private readonly Answer?[] _slots = new Answer?[Slots];
    private readonly Dictionary<Answer, int> _ids = new(ReferenceEqualityComparer.Instance);
    private int _next;

    /// <summary>Writes <paramref name="answer"/>: its kind, its id, or its id and content.</summary>
    public void Write(WireWriter writer, Answer answer)
    {
        if (answer.Kind != AnswerKind.Records)
        {
            writer.WriteByte(WorkerMessages.KindOnly);
            writer.WriteByte((byte)answer.Kind);
            return;
        }

        if (_ids.TryGetValue(answer, out var known))
        {
            writer.WriteByte(WorkerMessages.Known);
            writer.WriteInt32(known);
            return;
        }

        var id = ++_next;
        var slot = id % Slots;
        if (_slots[slot] is { } evicted)
        {
            _ids.Remove(evicted);
        }

        _slots[slot] = answer;
        _ids[answer] = id;
        writer.WriteByte(WorkerMessages.Defined);
        writer.WriteInt32(id);
        writer.WriteByte((byte)answer.Order);
        writer.WriteInt16((short)answer.Scope);
        var sets = answer.Sets;
        writer.WriteInt32(sets.Length);
        foreach (var set in sets)
        {
            writer.WriteUInt16(set.Type);
            writer.WriteUInt32(set.Ttl);
            writer.WriteInt32(set.Records.Length);
            foreach (var record in set.Records)
            {
                writer.WriteBytes(record.Wire);
            }
        }
    }
}
