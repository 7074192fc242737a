using System.Globalization;
using System.Net;
using System.Text;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;

namespace Scriptable.Server.Observability.QueryLog;

/// <summary>
/// One query log line, in CoreDNS's common log format
/// (<c>{remote}:{port} - {>id} "{type} {class} {name} {proto} {size} {>do} {>bufsize}" {rcode} {>rflags} {rsize} {duration}</c>)
/// followed by the EDNS Client Subnet (<c>address/source/scope</c>), the policy that answered and what it picked,
/// <c>-</c> for each that is absent:
/// <c>192.0.2.1:53111 - 4242 "A IN www.example.org. udp 52 false 1232" NOERROR qr,aa 68 0.000081s ecs=192.0.2.0/24/24 policy=www.example.org. pick=paris</c>.
/// Built on the writer's thread.
/// </summary>
internal static class QueryLogLine
{
    /// <summary>Appends the line of <paramref name="record"/> (without a line break).</summary>
    public static void Append(StringBuilder line, QueryRecord record)
    {
        var inv = CultureInfo.InvariantCulture;
        var client = new IPAddress(record.ClientAddress.Span);
        if (record.ClientAddressLength == 16)
        {
            line.Append('[').Append(client).Append(']');
        }
        else
        {
            line.Append(client);
        }

        line.Append(':').Append(record.ClientPort.ToString(inv)).Append(" - ").Append(record.Id.ToString(inv)).Append(" \"");
        line.Append(RecordType.ToText(record.QType)).Append(' ').Append(ClassText(record.QClass)).Append(' ').Append(Name(record)).Append(' ');
        var tcp = record.Transport == DnsTransport.Tcp;
        line.Append(tcp ? "tcp" : "udp").Append(' ').Append(record.QueryLength.ToString(inv)).Append(' ').Append(record.DnssecOk ? "true" : "false").Append(' ');
        // CoreDNS's {>bufsize}: what the client can take: 65535 over TCP, else its EDNS size (at least 512).
        var bufsize = tcp ? 65535 : record.HasEdns ? Math.Max(512, (int)record.ClientUdpSize) : 512;
        line.Append(bufsize.ToString(inv)).Append("\" ").Append(ResponseCode.ToText(record.Rcode)).Append(' ');
        AppendFlags(line, record.Response.Span);
        line.Append(' ').Append(record.ResponseLength.ToString(inv)).Append(' ');
        var seconds = (double)(record.Answered - record.Received) / System.Diagnostics.Stopwatch.Frequency;
        line.Append(seconds.ToString("0.#########", inv)).Append('s');
        line.Append(" ecs=");
        if (record.HasEcs)
        {
            line.Append(new IPAddress(record.EcsAddress)).Append('/').Append(record.EcsSourcePrefix.ToString(inv)).Append('/').Append(record.EcsScope.ToString(inv));
        }
        else
        {
            line.Append('-');
        }

        line.Append(" policy=").Append(record.Policy ?? "-").Append(" pick=").Append(record.Pick ?? "-");
    }

    /// <summary>The question name as text (with its final dot), from the query's octets.</summary>
    private static string Name(QueryRecord record)
    {
        var query = record.Query.Span;
        if (record.QuestionEnd < QueryRecord.HeaderSize + 5 || record.QuestionEnd > query.Length)
        {
            return ".";
        }

        var wire = query[QueryRecord.HeaderSize..(record.QuestionEnd - 4)];
        return DnsName.IsValidWire(wire) ? DnsName.FromWire(wire).ToString() : ".";
    }

    private static string ClassText(ushort qclass) => qclass switch
    {
        1 => "IN",
        3 => "CH",
        4 => "HS",
        254 => "NONE",
        255 => "ANY",
        _ => "CLASS" + qclass.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>CoreDNS's {>rflags}: the response's header flags that are set, comma-separated, in header order.</summary>
    private static void AppendFlags(StringBuilder line, ReadOnlySpan<byte> header)
    {
        if (header.Length < 4)
        {
            line.Append('-');
            return;
        }

        var flags = (header[2] << 8) | header[3];
        var first = true;
        Flag(line, flags, 0x8000, "qr", ref first);
        Flag(line, flags, 0x0400, "aa", ref first);
        Flag(line, flags, 0x0200, "tc", ref first);
        Flag(line, flags, 0x0100, "rd", ref first);
        Flag(line, flags, 0x0080, "ra", ref first);
        Flag(line, flags, 0x0020, "ad", ref first);
        Flag(line, flags, 0x0010, "cd", ref first);
        if (first)
        {
            line.Append('-');
        }
    }

    private static void Flag(StringBuilder line, int flags, int bit, string name, ref bool first)
    {
        if ((flags & bit) == 0)
        {
            return;
        }

        if (!first)
        {
            line.Append(',');
        }

        line.Append(name);
        first = false;
    }
}
