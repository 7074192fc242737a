using System.Buffers.Binary;
using System.Text;

namespace Scriptable.Server.Observability.Dnstap;

/// <summary>
/// The Frame Streams protocol (farsightsec/fstrm, <c>fstrm/control.h</c>), as dnstap uses it: a data frame is a
/// 32-bit big-endian length and the payload; a control frame is an escape (length 0), its own length, its type,
/// and fields (here only the content type). A writer on a socket says READY, the reader ACCEPTs, the writer
/// STARTs, sends data frames, then STOPs and the reader says FINISH; to a file, only START, frames, STOP.
/// </summary>
internal static class FrameStreams
{
    /// <summary>The content type of dnstap.</summary>
    public const string DnstapContentType = "protobuf:dnstap.Dnstap";

    /// <summary>The reader accepts the content type (reader to writer).</summary>
    public const uint Accept = 0x01;

    /// <summary>The stream starts (writer to reader).</summary>
    public const uint Start = 0x02;

    /// <summary>The stream stops (writer to reader).</summary>
    public const uint Stop = 0x03;

    /// <summary>The writer is ready, and offers content types (writer to reader).</summary>
    public const uint Ready = 0x04;

    /// <summary>The reader has read everything (reader to writer).</summary>
    public const uint Finish = 0x05;

    /// <summary>The control field that holds a content type.</summary>
    private const uint ContentTypeField = 0x01;

    /// <summary>The largest control frame accepted from a reader (fstrm's limit).</summary>
    private const int MaxControlLength = 512;

    /// <summary>A control frame of <paramref name="type"/>, with the dnstap content type when <paramref name="withContentType"/>.</summary>
    public static byte[] Control(uint type, bool withContentType)
    {
        var contentType = Encoding.ASCII.GetBytes(DnstapContentType);
        var length = 4 + (withContentType ? 8 + contentType.Length : 0);
        var frame = new byte[8 + length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(0), 0);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), type);
        if (withContentType)
        {
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(12), ContentTypeField);
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(16), (uint)contentType.Length);
            contentType.CopyTo(frame.AsSpan(20));
        }

        return frame;
    }

    /// <summary>
    /// Reads one control frame from the reader and checks it is <paramref name="expected"/> (an ACCEPT must accept
    /// dnstap, or name no content type at all). Throws <see cref="IOException"/> otherwise.
    /// </summary>
    public static void ReadControl(Stream stream, uint expected)
    {
        var header = new byte[8];
        stream.ReadExactly(header);
        var escape = BinaryPrimitives.ReadUInt32BigEndian(header);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
        if (escape != 0 || length is < 4 or > MaxControlLength)
        {
            throw new IOException($"the reader sent no Frame Streams control frame (escape {escape}, length {length})");
        }

        var body = new byte[length];
        stream.ReadExactly(body);
        var type = BinaryPrimitives.ReadUInt32BigEndian(body);
        if (type != expected)
        {
            throw new IOException($"the reader sent control frame {type} where {expected} was expected");
        }

        if (type != Accept)
        {
            return;
        }

        var offered = false;
        for (var at = 4; at + 8 <= body.Length;)
        {
            var field = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at));
            var fieldLength = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at + 4)), (uint)(body.Length - at - 8));
            if (field == ContentTypeField)
            {
                offered = true;
                if (Encoding.ASCII.GetString(body, at + 8, fieldLength) == DnstapContentType)
                {
                    return;
                }
            }

            at += 8 + fieldLength;
        }

        if (offered)
        {
            throw new IOException($"the reader does not accept '{DnstapContentType}'");
        }
    }
}
