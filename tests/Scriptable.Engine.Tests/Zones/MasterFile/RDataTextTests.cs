using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones.MasterFile;

namespace Scriptable.Engine.Tests.Zones.MasterFile;

public class RDataTextTests
{
    private static readonly DnsName Origin = DnsName.Parse("example.org.");

    // type, RDATA text (origin example.org.), expected wire bytes in hex.
    public static TheoryData<string, string, string> WireCases => new()
    {
        { "A", "192.0.2.1", "C0000201" },
        { "AAAA", "2001:db8::1", "20010DB8000000000000000000000001" },
        { "AAAA", "2001:DB8:0:0:0:0:0:1", "20010DB8000000000000000000000001" },
        { "AAAA", "::ffff:192.0.2.1", "00000000000000000000FFFFC0000201" },
        { "AAAA", "::", "00000000000000000000000000000000" },
        { "NS", "ns1", "036E7331076578616D706C65036F726700" },
        { "CNAME", "www.example.net.", "03777777076578616D706C65036E657400" },
        { "PTR", "@", "076578616D706C65036F726700" },
        { "DNAME", "example.net.", "076578616D706C65036E657400" },
        { "MX", "10 mail", "000A046D61696C076578616D706C65036F726700" },
        { "TXT", "\"hello world\"", "0B68656C6C6F20776F726C64" },
        { "TXT", "a \"b c\"", "016103622063" },
        { "TXT", "\"say \\\"hi\\\"\"", "087361792022686922" },
        { "TXT", "\"\\065\\\\\"", "02415C" },
        { "TXT", "\"\"", "00" },
        { "TXT", "\"caf\u00e9\"", "05636166C3A9" },
        { "TXT", "semi\\;colon", "0A73656D693B636F6C6F6E" },
        { "SPF", "\"v=spf1 -all\"", "0B763D73706631202D616C6C" },
        { "SRV", "10 20 5060 sip", "000A001413C403736970076578616D706C65036F726700" },
        { "CAA", "0 issue \"ca.example.net\"", "0005697373756563612E6578616D706C652E6E6574" },
        { "CAA", "128 iodef mailto:hostmaster@example.org", "8005696F6465666D61696C746F3A686F73746D6173746572406578616D706C652E6F7267" },
        {
            "SOA", "ns1 hostmaster 2024010101 1h 15m 1w 300",
            "036E7331076578616D706C65036F7267000A686F73746D6173746572076578616D706C65036F72670078A3F17500000E100000038400093A800000012C"
        },
        { "HINFO", "\"INTEL\" Linux", "05494E54454C054C696E7578" },
        { "NAPTR", "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp", "0064000A0153075349502B44325500045F736970045F756470076578616D706C65036F726700" },
        { "SSHFP", "1 1 0123456789abcdef0123456789ABCDEF01234567", "01010123456789ABCDEF0123456789ABCDEF01234567" },
        { "TLSA", "3 1 1 ABCD EF01", "030101ABCDEF01" },
        { "DS", "12345 8 2 ABCD EF", "30390802ABCDEF" },
        { "DS", "12345 RSASHA256 2 AB", "30390802AB" },
        { "DNSKEY", "257 3 8 AwEAAQ==", "0101030803010001" },
        { "DNSKEY", "257 3 ED25519 AwEA AQ==", "0101030F03010001" },
        { "TYPE65534", "\\# 3 abcdef", "ABCDEF" },
        { "TYPE65534", "\\# 3 AB CD EF", "ABCDEF" },
        { "TYPE65534", "\\# 0", "" },
        { "A", "\\# 4 C0000201", "C0000201" },
        { "MX", "\\# 3 000A 00", "000A00" },
        { "TYPE1", "192.0.2.1", "C0000201" },
    };

    // Rows whose Format output reads back to the same RDATA (every row above is checked too).
    public static TheoryData<string, string, string> FormatCases => new()
    {
        { "A", "192.0.2.1", "192.0.2.1" },
        { "AAAA", "2001:DB8:0:0::1", "2001:db8::1" },
        { "NS", "ns1", "ns1.example.org." },
        { "CNAME", "@", "example.org." },
        { "MX", "10 mail", "10 mail.example.org." },
        { "TXT", "hello \"big world\"", "\"hello\" \"big world\"" },
        { "TXT", "\"say \\\"hi\\\" \\\\ \\009\"", "\"say \\\"hi\\\" \\\\ \\009\"" },
        { "TXT", "\"caf\u00e9\"", "\"caf\\195\\169\"" },
        { "SRV", "10 20 5060 sip", "10 20 5060 sip.example.org." },
        { "CAA", "0 issue ca.example.net", "0 issue \"ca.example.net\"" },
        { "SOA", "ns1 hostmaster 1 1h 15m 1w 300", "ns1.example.org. hostmaster.example.org. 1 3600 900 604800 300" },
        { "HINFO", "INTEL Linux", "\"INTEL\" \"Linux\"" },
        { "NAPTR", "100 10 S SIP+D2U \"\" .", "100 10 \"S\" \"SIP+D2U\" \"\" ." },
        { "SSHFP", "1 1 abcdef", "1 1 ABCDEF" },
        { "TLSA", "3 1 1 ab cd", "3 1 1 ABCD" },
        { "DS", "12345 RSASHA256 2 abcdef", "12345 8 2 ABCDEF" },
        {
            "DS", "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
            "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237 C7F8EC8D"
        },
        { "DNSKEY", "257 3 8 AwEA AQ==", "257 3 8 AwEAAQ==" },
        { "TYPE65534", "\\# 3 abcdef", "\\# 3 ABCDEF" },
        { "TXT", "\\# 0", "\\# 0" },
        { "CAA", "\\# 3 00 00 41", "\\# 3 000041" },
        { "RRSIG", "\\# 2 ABCD", "\\# 2 ABCD" },
        { "LOC", "52 22 23 N 4 53 32 E -2m", "52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m" },
        { "LOC", "\\# 16 01121613 8A 0B 6A 60 80 00 00 00 00 98 96 80", "\\# 16 011216138A0B6A608000000000989680" },
        { "SVCB", "1 . port=443 alpn=h2,h3", "1 . alpn=\"h2,h3\" port=443" },
        { "HTTPS", "1 . alpn=\"a\\,b,h3\" ipv6hint=2001:db8::1,2001:db8::2", "1 . alpn=\"a\\,b,h3\" ipv6hint=2001:db8::1,2001:db8::2" },
        { "NSEC", "host A TYPE1234 RRSIG", "host.example.org. A RRSIG TYPE1234" },
        { "NSEC3", "1 1 12 aabbccdd 2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG", "1 1 12 AABBCCDD 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A RRSIG" },
        { "RRSIG", "A 13 2 300 20300101000000 20291201000000 12345 example.org. AAAA", "A 13 2 300 20300101000000 20291201000000 12345 example.org. AAAA" },
        { "EUI48", "00-00-5E-00-53-2A", "00-00-5e-00-53-2a" },
        { "CERT", "1 0 0 AA==", "PKIX 0 0 AA==" },
        { "APL", "1:192.168.32.0/21 !2:2001:db8::/32", "1:192.168.32.0/21 !2:2001:db8::/32" },
    };

    // type, RDATA text, part of the expected error.
    public static TheoryData<string, string, string> ErrorCases => new()
    {
        { "A", "300.1.1.1", "bad IPv4 address '300.1.1.1'" },
        { "A", "192.0.2", "bad IPv4 address '192.0.2'" },
        { "A", "192.0.2.01", "bad IPv4 address" },
        { "A", "2001:db8::1", "bad IPv4 address '2001:db8::1'" },
        { "A", "192.0.2.1 192.0.2.2", "A needs one IPv4 address" },
        { "A", "", "A needs one IPv4 address" },
        { "AAAA", "192.0.2.1", "bad IPv6 address '192.0.2.1'" },
        { "AAAA", "2001:db8::1::2", "bad IPv6 address" },
        { "AAAA", "fe80::1%eth0", "bad IPv6 address" },
        { "NS", "", "NS needs one name server name" },
        { "NS", "a..b", "bad NS name: empty label" },
        { "CNAME", "a b", "CNAME needs one target name" },
        { "MX", "10", "MX needs a preference and an exchange" },
        { "MX", "x mail", "bad MX preference 'x' (expected 0-65535)" },
        { "MX", "65536 mail", "bad MX preference '65536'" },
        { "TXT", "", "TXT needs at least one character-string" },
        { "TXT", "\"" + new string('a', 256) + "\"", "longer than 255" },
        { "TXT", "\"bad \\300 escape\"", "bad \\DDD escape" },
        { "SRV", "1 2 3", "SRV needs a priority, a weight, a port and a target" },
        { "SRV", "1 2 70000 sip", "bad SRV port '70000'" },
        { "CAA", "0 issue", "CAA needs flags, a tag and a value" },
        { "CAA", "0 is-sue x", "bad CAA tag 'is-sue'" },
        { "CAA", "256 issue x", "bad CAA flags '256' (expected 0-255)" },
        { "SOA", "ns1 hostmaster 1 2 3 4", "SOA needs a primary name server" },
        { "SOA", "ns1 hostmaster 1h 2 3 4 5", "bad SOA serial '1h'" },
        { "SOA", "ns1 hostmaster 1 2 3 4x 5", "bad SOA expire '4x'" },
        { "HINFO", "INTEL", "HINFO needs a CPU and an OS string" },
        { "NAPTR", "100 10 S SIP \"\"", "NAPTR needs an order" },
        { "SSHFP", "1 1", "SSHFP needs an algorithm, a fingerprint type and a fingerprint" },
        { "SSHFP", "1 1 abc", "odd number of hex digits" },
        { "TLSA", "3 1 1 zz", "bad hex in TLSA certificate data" },
        { "DS", "12345 FOO 2 AB", "bad DS algorithm 'FOO'" },
        { "DNSKEY", "257 3 8 !!!", "bad base64 in DNSKEY public key" },
        { "TYPE65534", "\\# 3 abcd", "\\# length 3 does not match the 2 octets" },
        { "TYPE65534", "\\# x ab", "bad \\# length 'x'" },
        { "TYPE65534", "abcd", "TYPE65534 has no text form here" },
        { "RRSIG", "A 8 2 300", "RRSIG needs a type covered, an algorithm" },
        { "RRSIG", "A 13 2 300 2024x 20240101000000 1 example. AAAA", "bad RRSIG expiration '2024x'" },
        { "RRSIG", "BOGUS 13 2 300 20240201000000 20240101000000 1 example. AAAA", "bad RRSIG type covered 'BOGUS'" },
        { "EUI48", "00-00-5e-00-53", "bad EUI48 address '00-00-5e-00-53'" },
        { "EUI64", "00:00:5e:ef:10:00:00:2a", "bad EUI64 address" },
        { "LOC", "91 N 0 E 0m", "LOC needs a latitude" },
        { "LOC", "52 22 23 N 4 53 32 E 50000000m", "bad LOC altitude '50000000m'" },
        { "LOC", "52 N 4 E 10m 100000000m", "bad LOC size '100000000m'" },
        { "LOC", "52 N 4 E 10m 1m 1m 1m 1m", "LOC needs a latitude" },
        { "SVCB", "1 . alpn=h2 alpn=h3", "SVCB parameter 'alpn' is given twice" },
        { "SVCB", "1 . mandatory=port", "SVCB parameter 'port' is mandatory but missing" },
        { "SVCB", "1 . mandatory=mandatory", "bad SVCB mandatory key 'mandatory'" },
        { "HTTPS", "1 . port=x", "bad HTTPS port 'x'" },
        { "HTTPS", "1 . foo=bar", "bad HTTPS parameter key 'foo'" },
        { "HTTPS", "1 . no-default-alpn=x", "parameter 'no-default-alpn' takes no value" },
        { "HTTPS", "1 . ipv4hint=2001:db8::1", "ipv4hint '2001:db8::1'" },
        { "HTTPS", "1", "HTTPS needs a priority, a target name" },
        { "NSEC3", "1 0 0 - zz", "bad base32hex in NSEC3 next hashed owner name" },
        { "NSEC", "next. A BOGUS", "bad type 'BOGUS' in NSEC types" },
        { "APL", "3:192.0.2.0/24", "bad APL item '3:192.0.2.0/24'" },
        { "APL", "1:192.0.2.0/33", "bad APL item" },
        { "WKS", "192.0.2.1 tcp no-such-service", "bad WKS service 'no-such-service'" },
        { "A6", "64 ::1", "A6 needs a prefix length" },
        { "AMTRELAY", "0 2 1 192.0.2.1", "bad AMTRELAY discovery bit or type" },
        { "AMTRELAY", "0 0 1", "AMTRELAY of type 1-3 needs a relay" },
        { "IPSECKEY", "10 1 2 not-an-address AQ==", "bad IPSECKEY gateway 'not-an-address' (type 1 is an IPv4 address)" },
        { "CERT", "FOO 0 0 AA==", "bad CERT type 'FOO'" },
        { "URI", "10 1", "URI needs a priority, a weight and a target" },
        { "NSAP", "47.0005", "NSAP needs one address written as 0x" },
        { "NULL", "abcd", "NULL has no text form here" },
        { "A", "\\# 3 C00002", "A RDATA is malformed" },
    };

    [Theory]
    [MemberData(nameof(WireCases))]
    public void TryParse_KnownText_ProducesWireBytes(string type, string text, string expectedHex)
    {
        Assert.True(RDataText.TryParse(Type(type), text, Origin, out var rdata, out var error), error);
        Assert.Equal(expectedHex, Convert.ToHexString(rdata.Wire));
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void TryParse_BadText_ReportsWhatWasExpected(string type, string text, string expected)
    {
        Assert.False(RDataText.TryParse(Type(type), text, Origin, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(FormatCases))]
    public void Format_ParsedRData_PrintsPresentationFormat(string type, string text, string expected)
    {
        Assert.True(RDataText.TryParse(Type(type), text, Origin, out var rdata, out var error), error);
        Assert.Equal(expected, RDataText.Format(Type(type), rdata));
    }

    [Theory]
    [MemberData(nameof(WireCases))]
    [MemberData(nameof(FormatCases))]
    public void Format_ThenTryParse_RoundTrips(string type, string text, string unused)
    {
        _ = unused;
        var t = Type(type);
        Assert.True(RDataText.TryParse(t, text, Origin, out var rdata, out var error), error);
        var formatted = RDataText.Format(t, rdata);

        // Names print absolute, so the round trip must not depend on the origin.
        Assert.True(RDataText.TryParse(t, formatted, DnsName.Parse("example.net."), out var again, out error), $"{formatted}: {error}");
        Assert.Equal(Convert.ToHexString(rdata.Wire), Convert.ToHexString(again.Wire));
        Assert.Equal(rdata, again);
        Assert.Equal(formatted, RDataText.Format(t, again));
    }

    [Fact]
    public void TryParse_Names_AreLocatedForCompression()
    {
        Assert.True(RDataText.TryParse(RecordType.MX, "10 mail", Origin, out var rdata, out _));
        Assert.Equal(DnsName.Parse("mail.example.org."), rdata.Target);
    }

    private static ushort Type(string text)
    {
        Assert.True(RecordType.TryParse(text, out var type));
        return type;
    }
}
