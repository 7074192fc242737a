using System.Text;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones.MasterFile;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// Zone files read as BIND 9.18 reads them: every type named reads in text (Zones/every-type.zone) gives the same
/// octets here as in named (transferred from it with <c>dig +unknownformat</c>, which prints RDATA as RFC 3597 hex),
/// and what Scriptable prints for each record reads back, in named and here, to those octets.
/// </summary>
public sealed class BindZoneFileTests
{
    private static readonly DnsName Origin = DnsName.Parse("example.");

    [ToolFact("named", "bind9", "dig", "bind9-dnsutils")]
    public async Task Syntax_OtherServersZoneFilesUse_SameRecordsAsBind()
    {
        // Units in TTLs, escapes in owners and strings, parentheses over lines, generic RDATA for known types, class
        // and TTL in either order, CRLF, $ORIGIN changes, $GENERATE (with a nibble range BIND puts out of the zone).
        var text = await File.ReadAllTextAsync(RepositoryPaths.Combine("tests", "Scriptable.Server.IntegrationTests", "Zones", "syntax.zone"));
        var ours = MasterFileParser.ParseText(text, "syntax.zone", DnsName.Parse("syntax."));
        Assert.True(ours.Succeeded, string.Join("\n", ours.Errors));

        await using var named = await BindServer.StartAsync(("syntax.", text));
        var bind = await TransferAsync(named, "syntax.");

        Assert.Equal(Keyed(bind, "syntax."), Keyed(ours.Records.Select(r => (r.Owner.ToString(), r.Type, Convert.ToHexString(r.Data.Wire))), "syntax."));
    }

    [ToolFact("named", "bind9", "dig", "bind9-dnsutils")]
    public async Task EveryTypeBindReads_SameOctetsHere_AndPrintedTextReadsBackInBoth()
    {
        var text = await File.ReadAllTextAsync(RepositoryPaths.Combine("tests", "Scriptable.Server.IntegrationTests", "Zones", "every-type.zone"));
        var ours = MasterFileParser.ParseText(text, "every-type.zone", Origin);
        Assert.True(ours.Succeeded, string.Join("\n", ours.Errors));
        Assert.Empty(ours.Warnings);

        // What we print, as a zone of its own (copy.): owners moved under copy., RDATA as printed (names absolute).
        var printed = new StringBuilder("$TTL 3600\n");
        foreach (var record in ours.Records)
        {
            var owner = record.Owner.ToString();
            printed.Append(owner[..^"example.".Length]).Append("copy. IN ").Append(RecordType.ToText(record.Type)).Append(' ')
                .Append(RDataText.Format(record.Type, record.Data)).Append('\n');
        }

        await using var named = await BindServer.StartAsync(("example.", text), ("copy.", printed.ToString()));
        var bind = await TransferAsync(named, "example.");
        var bindCopy = await TransferAsync(named, "copy.");
        var expected = Keyed(ours.Records.Select(r => (r.Owner.ToString(), r.Type, Convert.ToHexString(r.Data.Wire))), "example.");

        // Every type of the file is there, in named's reading and ours, with the same octets.
        Assert.True(ours.Records.Select(r => r.Type).Distinct().Count() >= 70, "the file holds every type");
        Assert.Equal(expected, Keyed(bind, "example."));
        Assert.Equal(expected, Keyed(bindCopy, "copy."));

        // And our printed text reads back here to the same octets.
        var reread = MasterFileParser.ParseText(printed.ToString(), "printed.zone", DnsName.Parse("copy."));
        Assert.True(reread.Succeeded, string.Join("\n", reread.Errors) + "\n" + printed);
        Assert.Equal(expected, Keyed(reread.Records.Select(r => (r.Owner.ToString(), r.Type, Convert.ToHexString(r.Data.Wire))), "copy."));
    }

    /// <summary>
    /// Records as "owner-relative TYPE hex" lines, sorted, each once (named drops repeats): the owner's zone suffix left
    /// out so two zones compare.
    /// </summary>
    private static List<string> Keyed(IEnumerable<(string Owner, ushort Type, string Hex)> records, string origin)
    {
        var lines = records.Select(r => $"{r.Owner.ToLowerInvariant()[..^origin.Length]} {RecordType.ToText(r.Type)} {r.Hex}").Distinct().ToList();
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>The zone by AXFR from named, each record's RDATA as the octets dig prints in RFC 3597 form.</summary>
    private static async Task<List<(string Owner, ushort Type, string Hex)>> TransferAsync(BindServer named, string origin)
    {
        var (exit, output, error) = await ExternalTool.RunAsync("dig", ["@127.0.0.1", "-p", named.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), origin, "AXFR", "+unknownformat", "+nocmd", "+nostats", "+noall", "+answer", "+onesoa"]);
        Assert.True(exit == 0 && output.Length > 0, $"dig AXFR {origin}: {error}\n{named.Log}");
        var records = new List<(string, ushort, string)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // owner TTL IN TYPE \# length hex...
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            Assert.True(fields.Length >= 6 && fields[4] == @"\#", line);
            Assert.True(RecordType.TryParse(fields[3], out var type), line);
            records.Add((fields[0], type, string.Concat(fields[6..]).ToUpperInvariant()));
        }

        return records;
    }
}
