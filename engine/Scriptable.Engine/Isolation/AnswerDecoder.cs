using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;
using Scriptable.Policies;

namespace Scriptable.Engine.Isolation;

/// <summary>
/// The server's side of answers on the wire (<see cref="AnswerEncoder"/>): an answer sent in full is rebuilt once
/// and kept in its slot, so an answer sent by id costs a table read and no allocation. Each kept answer has its own
/// rotation counter (<see cref="Answer.Rotated"/>): records rotate per worker channel, as they rotate per answer
/// object in process.
/// </summary>
internal sealed class AnswerDecoder
{
    private readonly Answer?[] _slots = new Answer?[AnswerEncoder.Slots];
    private readonly int[] _ids = new int[AnswerEncoder.Slots];

    /// <summary>Forgets every answer (a new worker process starts its ids again).</summary>
    public void Clear()
    {
        Array.Clear(_slots);
        Array.Clear(_ids);
    }

    /// <summary>Reads one answer; throws <see cref="InvalidDataException"/> if it does not make sense.</summary>
    public Answer Read(ref WireReader reader)
    {
        var form = reader.ReadByte();
        switch (form)
        {
            case WorkerMessages.KindOnly:
                return (AnswerKind)reader.ReadByte() switch
                {
                    AnswerKind.Static => Answer.Static,
                    AnswerKind.NxDomain => Answer.NxDomain,
                    AnswerKind.NoData => Answer.NoData,
                    AnswerKind.Refused => Answer.Refused,
                    AnswerKind.ServFail => Answer.ServFail,
                    var other => throw new InvalidDataException($"an answer of kind {other} without records"),
                };
            case WorkerMessages.Known:
            {
                var id = reader.ReadInt32();
                var slot = Slot(id);
                return _ids[slot] == id && _slots[slot] is { } known ? known : throw new InvalidDataException($"answer {id} is not known");
            }

            case WorkerMessages.Defined:
            {
                var id = reader.ReadInt32();
                var answer = ReadContent(ref reader);
                var slot = Slot(id);
                _slots[slot] = answer;
                _ids[slot] = id;
                return answer;
            }

            default:
                throw new InvalidDataException($"answer form {form}");
        }
    }

    private static int Slot(int id) => id > 0 ? id % AnswerEncoder.Slots : throw new InvalidDataException($"answer id {id}");

    private static Answer ReadContent(ref WireReader reader)
    {
        var order = (RecordOrder)reader.ReadByte();
        var scope = reader.ReadInt16();
        var count = reader.ReadInt32();
        if (!Enum.IsDefined(order) || scope is < -1 or > 128 || count is <= 0 or > ushort.MaxValue)
        {
            throw new InvalidDataException("an answer's order, scope or RRset count is out of range");
        }

        var sets = new RRset[count];
        for (var i = 0; i < count; i++)
        {
            var type = reader.ReadUInt16();
            var ttl = reader.ReadUInt32();
            var records = reader.ReadInt32();
            if (records is <= 0 or > ushort.MaxValue)
            {
                throw new InvalidDataException("an RRset's record count is out of range");
            }

            var data = new RData[records];
            for (var j = 0; j < records; j++)
            {
                if (!RData.TryFromWire(type, reader.ReadBytes(), out var rdata, out var error))
                {
                    throw new InvalidDataException(error);
                }

                data[j] = rdata;
            }

            sets[i] = new RRset(DnsName.Root, type, ttl, data);
        }

        return Answer.FromParts(AnswerKind.Records, sets, order, scope);
    }
}
