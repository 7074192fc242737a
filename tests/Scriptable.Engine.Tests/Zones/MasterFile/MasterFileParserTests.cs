using System.Text;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;
using Scriptable.Engine.Zones.MasterFile;

namespace Scriptable.Engine.Tests.Zones.MasterFile;

public class MasterFileParserTests
{
    private const string FileName = "db.example.org";
    private static readonly DnsName Origin = DnsName.Parse("example.org.");

    // One record after "$TTL 3600": the line, then "owner ttl TYPE rdata" as parsed.
    [Theory]
    [InlineData("ns A 192.0.2.1", "ns.example.org. 3600 A 192.0.2.1")]
    [InlineData("a A 192.0.2.2", "a.example.org. 3600 A 192.0.2.2")]
    [InlineData("mx MX 10 mail", "mx.example.org. 3600 MX 10 mail.example.org.")]
    [InlineData("in A 192.0.2.3", "in.example.org. 3600 A 192.0.2.3")]
    [InlineData("IN IN A 192.0.2.3", "IN.example.org. 3600 A 192.0.2.3")]
    [InlineData("A A 192.0.2.4", "A.example.org. 3600 A 192.0.2.4")]
    [InlineData("soa TXT x", "soa.example.org. 3600 TXT \"x\"")]
    [InlineData("txt TXT x", "txt.example.org. 3600 TXT \"x\"")]
    [InlineData("300 A 192.0.2.5", "300.example.org. 3600 A 192.0.2.5")]
    [InlineData("type1 A 192.0.2.6", "type1.example.org. 3600 A 192.0.2.6")]
    [InlineData("www 300 IN A 192.0.2.1", "www.example.org. 300 A 192.0.2.1")]
    [InlineData("www IN 300 A 192.0.2.1", "www.example.org. 300 A 192.0.2.1")]
    [InlineData("www 300 A 192.0.2.1", "www.example.org. 300 A 192.0.2.1")]
    [InlineData("www IN A 192.0.2.1", "www.example.org. 3600 A 192.0.2.1")]
    [InlineData("www in a 192.0.2.1", "www.example.org. 3600 A 192.0.2.1")]
    [InlineData("www CLASS1 A 192.0.2.1", "www.example.org. 3600 A 192.0.2.1")]
    [InlineData("www 1h A 192.0.2.1", "www.example.org. 3600 A 192.0.2.1")]
    [InlineData("www 2H A 192.0.2.1", "www.example.org. 7200 A 192.0.2.1")]
    [InlineData("www 1d2h30m A 192.0.2.1", "www.example.org. 95400 A 192.0.2.1")]
    [InlineData("www 1w IN A 192.0.2.1", "www.example.org. 604800 A 192.0.2.1")]
    [InlineData("www 0 A 192.0.2.1", "www.example.org. 0 A 192.0.2.1")]
    [InlineData("www 2147483647 A 192.0.2.1", "www.example.org. 2147483647 A 192.0.2.1")]
    [InlineData("www TYPE1 192.0.2.1", "www.example.org. 3600 A 192.0.2.1")]
    [InlineData("www A \\# 4 C0000201", "www.example.org. 3600 A 192.0.2.1")]
    [InlineData("x TYPE65534 \\# 3 abcdef", "x.example.org. 3600 TYPE65534 \\# 3 ABCDEF")]
    [InlineData("@ A 192.0.2.1", "example.org. 3600 A 192.0.2.1")]
    [InlineData("www.example.org. A 192.0.2.1", "www.example.org. 3600 A 192.0.2.1")]
    [InlineData("*.wild A 192.0.2.1", "*.wild.example.org. 3600 A 192.0.2.1")]
    [InlineData("a\\.b A 192.0.2.1", "a\\.b.example.org. 3600 A 192.0.2.1")]
    [InlineData("www A 192.0.2.1 ; comment", "www.example.org. 3600 A 192.0.2.1")]
    [InlineData("www\tIN\tA\t192.0.2.1\r\n", "www.example.org. 3600 A 192.0.2.1")]
    [InlineData("www TXT \"a ; b\" c", "www.example.org. 3600 TXT \"a ; b\" \"c\"")]
    [InlineData("www TXT \"say \\\"hi\\\" to  all\"", "www.example.org. 3600 TXT \"say \\\"hi\\\" to  all\"")]
    [InlineData("www MX ( 10 ; preference\n   mail ) ; exchange", "www.example.org. 3600 MX 10 mail.example.org.")]
    [InlineData("www CNAME @", "www.example.org. 3600 CNAME example.org.")]
    public void ParseText_OneRecord_ReadsOwnerTtlTypeAndRData(string line, string expected)
    {
        var result = Parse("$TTL 3600\n" + line);

        Assert.Empty(result.Errors);
        Assert.Equal(expected, Show(Assert.Single(result.Records)));
        Assert.Equal(2, result.Records[0].Line);
        Assert.Equal(FileName, result.Records[0].File);
    }

    // Several records: the text, then every record as "owner ttl TYPE rdata" joined by " | ".
    [Theory]
    [InlineData(
        "$TTL 60\nwww A 192.0.2.1\n A 192.0.2.2\n\tAAAA 2001:db8::1",
        "www.example.org. 60 A 192.0.2.1 | www.example.org. 60 A 192.0.2.2 | www.example.org. 60 AAAA 2001:db8::1")]
    [InlineData(
        "$TTL 60\n$ORIGIN sub\nwww A 192.0.2.1\n$ORIGIN example.org.\n@ A 192.0.2.2",
        "www.sub.example.org. 60 A 192.0.2.1 | example.org. 60 A 192.0.2.2")]
    [InlineData(
        "$ttl 2D\n$origin sub.example.org.\nwww CNAME host",
        "www.sub.example.org. 172800 CNAME host.sub.example.org.")]
    [InlineData(
        "$TTL 60\nwww A 192.0.2.1\n$ORIGIN sub\n A 192.0.2.2",
        "www.example.org. 60 A 192.0.2.1 | www.example.org. 60 A 192.0.2.2")]
    [InlineData(
        "$TTL 60\nwww 120 A 192.0.2.1\nmail A 192.0.2.2",
        "www.example.org. 120 A 192.0.2.1 | mail.example.org. 60 A 192.0.2.2")]
    [InlineData(
        "www 120 A 192.0.2.1\nmail A 192.0.2.2\n$TTL 30\nftp A 192.0.2.3",
        "www.example.org. 120 A 192.0.2.1 | mail.example.org. 120 A 192.0.2.2 | ftp.example.org. 30 A 192.0.2.3")]
    [InlineData(
        "$TTL 60\n$GENERATE 1-3 host$ A 192.0.2.$",
        "host1.example.org. 60 A 192.0.2.1 | host2.example.org. 60 A 192.0.2.2 | host3.example.org. 60 A 192.0.2.3")]
    [InlineData(
        "$TTL 60\n$GENERATE 1-10/4 h$ A 192.0.2.$",
        "h1.example.org. 60 A 192.0.2.1 | h5.example.org. 60 A 192.0.2.5 | h9.example.org. 60 A 192.0.2.9")]
    [InlineData(
        "$TTL 60\n$GENERATE 8-9 ${0,3} CNAME h${10,2,x}",
        "008.example.org. 60 CNAME h12.example.org. | 009.example.org. 60 CNAME h13.example.org.")]
    [InlineData(
        "$TTL 60\n$GENERATE 26-26 ${0,0,X}.${0,4,o} PTR h$",
        "1A.0032.example.org. 60 PTR h26.example.org.")]
    [InlineData(
        "$TTL 60\n$GENERATE 26-26 ${0,3,n}.${0,7,N} PTR h$",
        "a.1.A.1.0.0.example.org. 60 PTR h26.example.org.")]
    [InlineData(
        "$TTL 60\n$GENERATE 1-1 a\\$$ TXT x$$",
        "a\\$1.example.org. 60 TXT \"x$\"")]
    [InlineData(
        "$GENERATE 1-1 h$ 300 IN A 192.0.2.$",
        "h1.example.org. 300 A 192.0.2.1")]
    [InlineData(
        "$TTL 60\n$GENERATE 1-1 h$ MX \"10 mail$\"",
        "h1.example.org. 60 MX 10 mail1.example.org.")]
    [InlineData(
        "$TTL 60\n$GENERATE 0-1 ${-0,2} IN A 192.0.2.${1}\nwww A 192.0.2.9",
        "00.example.org. 60 A 192.0.2.1 | 01.example.org. 60 A 192.0.2.2 | www.example.org. 60 A 192.0.2.9")]
    public void ParseText_Zone_ProducesRecords(string text, string expected)
    {
        var result = Parse(text);

        Assert.Empty(result.Errors);
        Assert.Equal(expected, string.Join(" | ", result.Records.Select(Show)));
    }

    // Text, the line the error must name, and part of its message.
    [Theory]
    [InlineData("www 60 A 300.1.1.1", 1, "bad IPv4 address '300.1.1.1'")]
    [InlineData("www 60 AAAA 192.0.2.1", 1, "bad IPv6 address '192.0.2.1'")]
    [InlineData("www 60 A 2001:db8::1", 1, "bad IPv4 address '2001:db8::1'")]
    [InlineData("www 60 MX 10", 1, "MX needs a preference and an exchange")]
    [InlineData("www 60 CH A 192.0.2.1", 1, "class 'CH' is not supported; only IN")]
    [InlineData("www HS 60 A 192.0.2.1", 1, "class 'HS' is not supported")]
    [InlineData("www 60 CLASS3 A 192.0.2.1", 1, "class 'CLASS3' is not supported")]
    [InlineData("www 60 FOO 1", 1, "unknown record type 'FOO'")]
    [InlineData("www 60 AXFR x", 1, "type AXFR cannot appear in a zone file")]
    [InlineData("www 60", 1, "missing record type")]
    [InlineData("www 60 300 A 192.0.2.1", 1, "unknown record type '300'")]
    [InlineData(" 60 A 192.0.2.1", 1, "no owner name")]
    [InlineData("a..b 60 A 192.0.2.1", 1, "bad owner name: empty label")]
    [InlineData("www 3000000000 A 192.0.2.1", 1, "TTL 3000000000 is above the maximum of 2147483647")]
    [InlineData("www 1x A 192.0.2.1", 1, "bad TTL '1x'")]
    [InlineData("www A 192.0.2.1", 1, "no TTL specified")]
    [InlineData("$TTL 1x", 1, "bad TTL '1x'")]
    [InlineData("$TTL 4294967295", 1, "above the maximum")]
    [InlineData("$TTL", 1, "$TTL needs one TTL")]
    [InlineData("$ORIGIN", 1, "$ORIGIN needs one domain name")]
    [InlineData("$ORIGIN a..b", 1, "bad $ORIGIN: empty label")]
    [InlineData("$FOO bar", 1, "unknown directive '$FOO'")]
    [InlineData("\nwww 60 SOA ns host (\n 1 2 3 4\n", 2, "'(' without a matching ')'")]
    [InlineData("www 60 A ( ( 192.0.2.1 ) )", 1, "nested parentheses")]
    [InlineData("www 60 A 192.0.2.1 )", 1, "')' without a matching '('")]
    [InlineData("www 60 TXT \"abc", 1, "quoted string not closed on its line")]
    [InlineData("x 60 TYPE65534 \\# 3 abcd", 1, "\\# length 3 does not match the 2 octets")]
    [InlineData("\n\nwww 60 SOA ns1 host (\n x ; serial\n 2 3 4 5 )", 3, "bad SOA serial 'x'")]
    [InlineData("$INCLUDE", 1, "$INCLUDE needs a file name")]
    [InlineData("$INCLUDE missing.zone", 1, "cannot read $INCLUDE file 'missing.zone'")]
    [InlineData("$INCLUDE x.zone a..b", 1, "bad $INCLUDE origin")]
    [InlineData("$GENERATE 3-1 h$ 60 A 192.0.2.1", 1, "bad $GENERATE range '3-1'")]
    [InlineData("$GENERATE 1-2/0 h$ 60 A 192.0.2.1", 1, "bad $GENERATE range")]
    [InlineData("$GENERATE 1-2 h${x} 60 A 192.0.2.1", 1, "bad $GENERATE modifier")]
    [InlineData("$GENERATE 1-2 h${0,3,q} 60 A 192.0.2.1", 1, "bad $GENERATE modifier")]
    [InlineData("$GENERATE 1-2 ${-5} 60 A 192.0.2.1", 1, "makes the value negative")]
    [InlineData("$GENERATE 250-260 h$ 60 A 192.0.2.$", 1, "bad IPv4 address '192.0.2.256' ($GENERATE iteration 256)")]
    [InlineData("$GENERATE 0-100000 h$ 60 A 192.0.2.1", 1, "the limit is 65536")]
    [InlineData("$GENERATE 1-2 h$ 60 TXT a b", 1, "$GENERATE takes one RDATA field")]
    [InlineData("$GENERATE 1-2 h$", 1, "$GENERATE needs a range, an owner, a type and RDATA")]
    public void ParseText_BadInput_ReportsFileLineAndMessage(string text, int line, string expected)
    {
        var result = Parse(text);

        var error = Assert.Single(result.Errors);
        Assert.Equal(FileName, error.File);
        Assert.Equal(line, error.Line);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal($"{FileName}({line},{error.Column}): {error.Message}", error.ToString());
    }

    // BIND ignores a record outside the zone with a warning, and loads the rest.
    [Theory]
    [InlineData("www 60 A 192.0.2.1\nwww.example.net. 60 A 192.0.2.2", 2, "out-of-zone record 'www.example.net.' ignored")]
    [InlineData("$ORIGIN example.net.\nwww 60 A 192.0.2.1", 2, "out-of-zone record 'www.example.net.' ignored")]
    [InlineData("$GENERATE 1-2 h$.example.net. 60 A 192.0.2.1", 1, "out-of-zone record 'h1.example.net.' ignored")]
    public void ParseText_OutOfZoneRecord_IgnoredWithAWarning(string text, int line, string expected)
    {
        var result = Parse(text);

        Assert.Empty(result.Errors);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(line, warning.Line);
        Assert.Contains(expected, warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Records, r => r.Owner.ToString().EndsWith("example.net.", StringComparison.Ordinal));
    }

    // The column is the entry's first field: after the blanks of a line that names no owner.
    [Fact]
    public void ParseText_ErrorOnAnIndentedEntry_ColumnOfItsFirstField()
    {
        var error = Assert.Single(Parse("$TTL 60\nwww A 192.0.2.1\n   A 300.1.1.1\n").Errors);

        Assert.Equal((3, 4), (error.Line, error.Column));
        Assert.Equal($"{FileName}(3,4): error: {error.Message}", error.Format("error"));
    }

    [Fact]
    public void ParseText_LongTxtString_ReportsLimit()
    {
        var result = Parse("www 60 TXT \"" + new string('a', 256) + "\"\nok 60 TXT \"" + new string('a', 255) + "\"");

        var error = Assert.Single(result.Errors);
        Assert.Contains("longer than 255", error.Message, StringComparison.Ordinal);
        Assert.Equal("ok.example.org.", Assert.Single(result.Records).Owner.ToString());
    }

    [Fact]
    public void ParseText_SeveralBadRecords_ReportsEveryOneAndKeepsTheGood()
    {
        var result = Parse("""
            $TTL 60
            good1 A 192.0.2.1
            bad1 A 192.0.2.300
            bad2 MX mail
            good2 A 192.0.2.2
            bad3 CH TXT x
            """);

        Assert.Equal(["3", "4", "6"], result.Errors.Select(e => e.Line.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(["good1.example.org.", "good2.example.org."], result.Records.Select(r => r.Owner.ToString()));
    }

    [Fact]
    public void ParseText_ManyErrors_StopsAfterOneHundred()
    {
        var text = string.Concat(Enumerable.Range(0, 150).Select(i => $"h{i} 60 A bad\n"));

        var result = Parse(text);

        Assert.Equal(MasterFileLoader.MaxErrors, result.Errors.Count);
        Assert.Equal(100, result.Errors[^1].Line);
        Assert.Contains(result.Warnings, w => w.Message.Contains("stopped after 100 errors", StringComparison.Ordinal));
    }

    [Fact]
    public void ParseText_SoaWithoutAnyTtl_UsesMinimumWithWarning()
    {
        var result = Parse("@ SOA ns1 hostmaster 1 2 3 4 300\nwww A 192.0.2.1\n");

        Assert.Empty(result.Errors);
        Assert.Equal([300u, 300u], result.Records.Select(r => r.Ttl));
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(1, warning.Line);
        Assert.Contains("SOA MINIMUM 300", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseText_NoTtlDirective_WarnsOnceAboutRfc1035Semantics()
    {
        var result = Parse("www 120 A 192.0.2.1\nmail A 192.0.2.2\nftp A 192.0.2.3\n");

        Assert.Empty(result.Errors);
        Assert.Equal([120u, 120u, 120u], result.Records.Select(r => r.Ttl));
        Assert.Contains("RFC 1035", Assert.Single(result.Warnings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseText_RealisticBindZone_ParsesWithoutDiagnostics()
    {
        var result = Parse("""
            ; example.org, as BIND would load it
            $TTL 1h
            $ORIGIN example.org.
            @       IN  SOA   ns1.example.org. hostmaster.example.org. (
                              2024010101 ; serial
                              2h         ; refresh
                              15m        ; retry
                              2w         ; expire
                              5m )       ; negative caching TTL
                    IN  NS    ns1
                    IN  NS    ns2.example.net.
                    IN  MX    10 mail
                    IN  MX    20 mail.example.net.
                    IN  TXT   "v=spf1 mx -all"
                    IN  CAA   0 issue "ca.example.net"
                    IN  CAA   0 iodef "mailto:hostmaster@example.org"
            ns1     IN  A     192.0.2.53
                    IN  AAAA  2001:db8::53
            mail    300 IN A  192.0.2.25
            www     IN  CNAME @
            _sip._tcp IN SRV  10 60 5060 sip
            sip     IN  A     192.0.2.60
            *.dev   IN  A     192.0.2.80
            _dmarc  IN  TXT   ( "v=DMARC1; p=reject; "
                                "rua=mailto:dmarc@example.org" )

            ; delegation of sub.example.org, with glue
            sub     IN  NS    ns1.sub
                    IN  NS    ns2.example.net.
            ns1.sub IN  A     198.51.100.53
            """);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        Assert.Equal(19, result.Records.Count);
        var soa = result.Records[0];
        Assert.Equal("example.org. 3600 SOA ns1.example.org. hostmaster.example.org. 2024010101 7200 900 1209600 300", Show(soa));
        Assert.Equal(4, soa.Line);
        Assert.Equal(
            ["ns1.example.org.", "ns2.example.net."],
            result.Records.Where(r => r.Type == RecordType.NS && r.Owner.Equals(Origin)).Select(r => RDataText.Format(r.Type, r.Data)));
        Assert.Equal("example.org. 3600 CAA 0 iodef \"mailto:hostmaster@example.org\"", Show(result.Records[7]));
        Assert.Equal("ns1.example.org. 3600 AAAA 2001:db8::53", Show(result.Records[9]));
        Assert.Equal("mail.example.org. 300 A 192.0.2.25", Show(result.Records[10]));
        Assert.Equal("www.example.org. 3600 CNAME example.org.", Show(result.Records[11]));
        Assert.Equal("_sip._tcp.example.org. 3600 SRV 10 60 5060 sip.example.org.", Show(result.Records[12]));
        Assert.True(result.Records[14].Owner.IsWildcard);
        Assert.Equal("_dmarc.example.org. 3600 TXT \"v=DMARC1; p=reject; \" \"rua=mailto:dmarc@example.org\"", Show(result.Records[15]));
        Assert.Equal(24, result.Records[15].Line);
        Assert.Equal("ns1.sub.example.org. 3600 A 198.51.100.53", Show(result.Records[18]));
    }

    [Fact]
    public void ParseFile_IncludeWithOrigin_ReadsRelativeToIncludingFileAndRestoresState()
    {
        using var dir = new TempDirectory();
        dir.Write("sub/hosts.zone", "h1 A 192.0.2.2\n$ORIGIN deeper\nh2 A 192.0.2.3\n@ TXT inside\n");
        var main = dir.Write("db.example.org", """
            $TTL 60
            @ SOA ns1 hostmaster 1 2 3 4 5
            www A 192.0.2.1
            $INCLUDE sub/hosts.zone sub
             A 192.0.2.9
            after A 192.0.2.10
            """);

        var result = MasterFileParser.ParseFile(main, Origin);

        Assert.Empty(result.Errors);
        Assert.Equal(
            [
                "example.org. 60 SOA ns1.example.org. hostmaster.example.org. 1 2 3 4 5",
                "www.example.org. 60 A 192.0.2.1",
                "h1.sub.example.org. 60 A 192.0.2.2",
                "h2.deeper.sub.example.org. 60 A 192.0.2.3",
                "deeper.sub.example.org. 60 TXT \"inside\"",
                "www.example.org. 60 A 192.0.2.9",
                "after.example.org. 60 A 192.0.2.10",
            ],
            result.Records.Select(Show));
        var included = Path.Combine(dir.Path, "sub/hosts.zone");
        Assert.Equal((included, 3), (result.Records[3].File, result.Records[3].Line));
        Assert.Equal((main, 5), (result.Records[5].File, result.Records[5].Line));
    }

    [Fact]
    public void ParseFile_ErrorInIncludedFile_NamesThatFileAndLine()
    {
        using var dir = new TempDirectory();
        dir.Write("hosts.zone", "ok A 192.0.2.1\n\nbad A 192.0.2.999\n");
        var main = dir.Write("db.example.org", "$TTL 60\n$INCLUDE hosts.zone\nbad2 MX 10\n");

        var result = MasterFileParser.ParseFile(main, Origin);

        Assert.Equal(
            [$"{Path.Combine(dir.Path, "hosts.zone")}(3,1): bad IPv4 address '192.0.2.999'", $"{main}(3,1): MX needs a preference and an exchange"],
            result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void ParseFile_IncludeCycle_IsAnError()
    {
        using var dir = new TempDirectory();
        dir.Write("a.zone", "$TTL 60\na A 192.0.2.1\n$INCLUDE b.zone\n");
        dir.Write("b.zone", "b A 192.0.2.2\n$INCLUDE ./a.zone\n");

        var result = MasterFileParser.ParseFile(Path.Combine(dir.Path, "a.zone"), Origin);

        var error = Assert.Single(result.Errors);
        Assert.Equal((Path.Combine(dir.Path, "b.zone"), 2), (error.File, error.Line));
        Assert.Contains("$INCLUDE cycle", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, result.Records.Count);
    }

    [Fact]
    public void ParseFile_MissingFile_ReportsLineZero()
    {
        var path = Path.Combine(Path.GetTempPath(), "scriptable-missing-" + Guid.NewGuid().ToString("N"), "db.example.org");

        var result = MasterFileParser.ParseFile(path, Origin);

        var error = Assert.Single(result.Errors);
        Assert.Equal((path, 0), (error.File, error.Line));
        Assert.Contains("cannot read zone file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseText_IncludesNestedTooDeep_ReportsLimit()
    {
        // f0 includes f1 includes f2 ...: every file is distinct, so only the depth limit stops it.
        static string Read(string path) => $"$INCLUDE f{int.Parse(path.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture) + 1}\n";

        var result = MasterFileParser.ParseText("$INCLUDE f1\n", "f0", Origin, Read);

        var error = Assert.Single(result.Errors);
        Assert.Equal("f16", error.File);
        Assert.Contains("nested more than 16 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseText_Include_PassesPathRelativeToFileNameAndDoesNotInheritOwner()
    {
        var requested = new List<string>();
        string Read(string path)
        {
            requested.Add(path);
            return " A 192.0.2.2\n";
        }

        var result = MasterFileParser.ParseText("$TTL 60\nwww A 192.0.2.1\n$INCLUDE hosts\n", Path.Combine("zones", "db.example.org"), Origin, Read);

        Assert.Equal([Path.Combine("zones", "hosts")], requested);
        var error = Assert.Single(result.Errors);
        Assert.Equal((Path.Combine("zones", "hosts"), 1), (error.File, error.Line));
        Assert.Contains("no owner name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseText_ReadmeExample_ParsesWithoutErrors()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "engine/Scriptable.Engine/Zones/MasterFile/README.md"));
        var syntax = readme[readme.IndexOf("## Syntax", StringComparison.Ordinal)..];
        var start = syntax.IndexOf("```\n", StringComparison.Ordinal) + 4;
        var example = syntax[start..syntax.IndexOf("```", start, StringComparison.Ordinal)];

        var result = MasterFileParser.ParseText(example, FileName, Origin, _ => "h1 A 192.0.2.1\n");

        Assert.Empty(result.Errors);
        Assert.Contains(result.Records, r => r.Owner.ToString() == "h1.sub.example.org.");
        Assert.Equal(5, result.Records.Count(r => r.Owner.ToString().StartsWith("host", StringComparison.Ordinal)));
    }

    [Fact]
    public void ParseText_HundredThousandRecords_AllRead()
    {
        var sb = new StringBuilder("$TTL 300\n@ SOA ns1 hostmaster 1 2 3 4 5\n  NS ns1\n");
        for (var i = 0; i < 100_000; i++)
        {
            sb.Append("host").Append(i).Append(" IN A 192.0.2.").Append(i % 256).Append('\n');
        }

        // Speed is measured by ZoneLoadBenchmarks (tests/Scriptable.Benchmarks), not here.
        var result = Parse(sb.ToString());
        Assert.Empty(result.Errors);
        Assert.Equal(100_002, result.Records.Count);
        Assert.Equal("host99999.example.org.", result.Records[^1].Owner.ToString());
    }

    private static MasterFileResult Parse(string text) =>
        MasterFileParser.ParseText(text, FileName, Origin, path => throw new FileNotFoundException("not found", path));

    private static string Show(ResourceRecord record) =>
        $"{record.Owner} {record.Ttl} {RecordType.ToText(record.Type)} {RDataText.Format(record.Type, record.Data)}";

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Scriptable.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Scriptable.sln not found above the test binaries.");
    }

    private sealed class TempDirectory : IDisposable
    {
        public TempDirectory()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "scriptable-zone-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string Write(string relative, string text)
        {
            var path = System.IO.Path.Combine(Path, relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
            return path;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
