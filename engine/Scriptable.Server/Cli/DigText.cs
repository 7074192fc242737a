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
        if (ResponseWire.FindOpt(wire) is { } opt)
        {
            text.AppendLine().AppendLine(";; OPT PSEUDOSECTION:");
            var udp = (wire[opt + 3] << 8) | wire[opt + 4];
            var version = wire[opt + 6];
            var doBit = (wire[opt + 7] & 0x80) != 0;
            text.Append(CultureInfo.InvariantCulture, $"; EDNS: version: {version}, flags:{(doBit ? " do" : "")}; udp: {udp}").AppendLine();
            // As dig: the ECS option the answer carries (the subnet as sent, its bits past the prefix cleared), not the text asked.
            if (ResponseWire.ClientSubnet(wire, opt) is { } subnet)
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
}
