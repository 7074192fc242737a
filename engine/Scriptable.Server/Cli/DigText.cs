using System.Globalization;
using System.Text;
using Scriptable.Engine.Local;

namespace Scriptable.Server.Cli;

/// <summary>An answer printed the way <c>dig</c> prints one: header, flags, OPT pseudo-section, sections.</summary>
internal static class DigText
{
    public static string Format(LocalQuestion question, LocalAnswer answer)
    {
        var wire = answer.Wire;
        var text = new StringBuilder();
        var ask = question.Name.EndsWith('.') ? question.Name : question.Name + ".";
        text.Append(CultureInfo.InvariantCulture, $"; <<>> scriptable query <<>> {ask} {question.Type}");
        text.Append(question.Ecs is null ? "" : $" +subnet={question.Ecs}").Append(question.Tcp ? " +tcp" : "").Append(question.DnssecOk ? " +dnssec" : "").Append(question.Edns ? "" : " +noedns");
        text.Append(CultureInfo.InvariantCulture, $" (from {question.Client})").AppendLine();
        text.AppendLine(";; Got answer:");
        text.Append(CultureInfo.InvariantCulture, $";; ->>HEADER<<- opcode: QUERY, status: {answer.Rcode}, id: {(wire[0] << 8) | wire[1]}").AppendLine();
        var flags = new List<string>();
        AddFlag(flags, wire[2], 0x80, "qr");
        AddFlag(flags, wire[2], 0x04, "aa");
        AddFlag(flags, wire[2], 0x02, "tc");
        AddFlag(flags, wire[2], 0x01, "rd");
        AddFlag(flags, wire[3], 0x80, "ra");
        AddFlag(flags, wire[3], 0x20, "ad");
        AddFlag(flags, wire[3], 0x10, "cd");
        int Count(int offset) => (wire[offset] << 8) | wire[offset + 1];
        text.Append(CultureInfo.InvariantCulture, $";; flags: {string.Join(' ', flags)}; QUERY: {Count(4)}, ANSWER: {Count(6)}, AUTHORITY: {Count(8)}, ADDITIONAL: {Count(10)}").AppendLine();
        if (FindOpt(wire) is { } opt)
        {
            text.AppendLine().AppendLine(";; OPT PSEUDOSECTION:");
            var udp = (wire[opt + 3] << 8) | wire[opt + 4];
            var version = wire[opt + 6];
            var doBit = (wire[opt + 7] & 0x80) != 0;
            text.Append(CultureInfo.InvariantCulture, $"; EDNS: version: {version}, flags:{(doBit ? " do" : "")}; udp: {udp}").AppendLine();
            // As dig: the ECS option the answer carries (the subnet as sent, its bits past the prefix cleared), not the text asked.
            if (ClientSubnet(wire, opt) is { } subnet)
            {
                text.Append("; CLIENT-SUBNET: ").AppendLine(subnet);
            }
        }

        text.AppendLine().AppendLine(";; QUESTION SECTION:");
        text.Append(CultureInfo.InvariantCulture, $";{ask}\t\tIN\t{question.Type.ToUpperInvariant()}").AppendLine();
        Section(text, "ANSWER", answer.Answer);
        Section(text, "AUTHORITY", answer.Authority);
        Section(text, "ADDITIONAL", answer.Additional);
        text.AppendLine().Append(CultureInfo.InvariantCulture, $";; MSG SIZE  rcvd: {wire.Length}").AppendLine().AppendLine();
        return text.ToString();
    }

    private static void AddFlag(List<string> flags, byte value, int mask, string name)
    {
        if ((value & mask) != 0)
        {
            flags.Add(name);
        }
    }

    private static void Section(StringBuilder text, string name, IReadOnlyList<LocalRecord> records)
    {
        if (records.Count == 0)
        {
            return;
        }

        text.AppendLine().Append(";; ").Append(name).AppendLine(" SECTION:");
        foreach (var record in records)
        {
            text.Append(CultureInfo.InvariantCulture, $"{record.Owner}\t{record.Ttl}\tIN\t{record.Type}\t{record.Data}").AppendLine();
        }
    }

    /// <summary>The answer's EDNS Client Subnet option (RFC 7871) as dig prints it, address/source/scope; or null.</summary>
    private static string? ClientSubnet(byte[] wire, int opt)
    {
        var at = opt + 11;
        var end = Math.Min(wire.Length, at + ((wire[opt + 9] << 8) | wire[opt + 10]));
        while (at + 4 <= end)
        {
            var code = (wire[at] << 8) | wire[at + 1];
            var length = (wire[at + 2] << 8) | wire[at + 3];
            at += 4;
            if (code == 8 && length >= 4 && at + length <= end)
            {
                var family = (wire[at] << 8) | wire[at + 1];
                var address = new byte[family == 1 ? 4 : 16];
                wire.AsSpan(at + 4, Math.Min(length - 4, address.Length)).CopyTo(address);
                return string.Create(CultureInfo.InvariantCulture, $"{new System.Net.IPAddress(address)}/{wire[at + 2]}/{wire[at + 3]}");
            }

            at += length;
        }

        return null;
    }

    /// <summary>The offset of the OPT record (at its owner, the root's zero octet), or null.</summary>
    private static int? FindOpt(byte[] wire)
    {
        var at = 12;
        int Count(int offset) => (wire[offset] << 8) | wire[offset + 1];
        for (var i = 0; i < Count(4); i++)
        {
            at = SkipName(wire, at) + 4;
        }

        var records = Count(6) + Count(8) + Count(10);
        for (var i = 0; i < records && at < wire.Length; i++)
        {
            var owner = at;
            at = SkipName(wire, at);
            if (at + 10 > wire.Length)
            {
                return null;
            }

            var type = (wire[at] << 8) | wire[at + 1];
            if (type == 41)
            {
                return owner;
            }

            at += 10 + ((wire[at + 8] << 8) | wire[at + 9]);
        }

        return null;
    }

    private static int SkipName(byte[] wire, int at)
    {
        while (at < wire.Length)
        {
            var length = wire[at];
            if (length == 0)
            {
                return at + 1;
            }

            if ((length & 0xC0) == 0xC0)
            {
                return at + 2;
            }

            at += 1 + length;
        }

        return at;
    }
}
