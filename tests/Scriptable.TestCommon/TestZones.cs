using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;
using Scriptable.Engine.Zones.MasterFile;

namespace Scriptable.TestCommon;

/// <summary>Zones for tests, built from master-file text through the real parser and builder.</summary>
public static class TestZones
{
    /// <summary>
    /// example.org with one of everything the answer stage handles: positive data of many types, a CNAME
    /// chain, an out-of-zone CNAME, a CNAME loop, wildcards, an empty non-terminal, a delegation with glue,
    /// DNAMEs (out of zone, and into the wildcard), HTTPS and SVCB in service and alias
    /// mode, and a large RRset that does not fit in 512 octets.
    /// </summary>
    public const string ExampleOrg = """
        $ORIGIN example.org.
        $TTL 3600
        @        IN SOA ns1 hostmaster (2024010101 3600 600 604800 300)
                 IN NS  ns1
                 IN NS  ns2.example.net.
                 IN MX  10 mail
                 IN TXT "v=spf1 -all"
                 IN CAA 0 issue "letsencrypt.org"
        ns1      IN A    192.0.2.53
        ns1      IN AAAA 2001:db8::53
        mail     IN A    192.0.2.25
        www  300 IN A    192.0.2.1
        www  300 IN A    192.0.2.2
        www  300 IN AAAA 2001:db8::1
        alias    IN CNAME www
        chain1   IN CNAME chain2
        chain2   IN CNAME www
        dangling IN CNAME nowhere
        outside  IN CNAME www.example.net.
        tosub    IN CNAME www.sub
        loop1    IN CNAME loop2
        loop2    IN CNAME loop1
        *.wild   IN A    192.0.2.100
        *.wild   IN TXT  "wildcard"
        host.wild IN A   192.0.2.101
        a.b.ent  IN A    192.0.2.102
        _sip._udp IN SRV 10 60 5060 sip
        sip      IN A    192.0.2.60
        sub      IN NS   ns.sub
        sub      IN NS   ns.example.net.
        ns.sub   IN A    192.0.2.200
        dn       IN DNAME example.net.
        inzone   IN DNAME wild
        svc      IN HTTPS 1 . alpn=h2 ipv4hint=192.0.2.80
        svc      IN A    192.0.2.80
        _8443._https.svc IN SVCB 1 www alpn=h2 port=8443
        alias-svc IN HTTPS 0 www
        big      IN TXT  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        big      IN TXT  "1123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        big      IN TXT  "2123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        big      IN TXT  "3123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        big      IN TXT  "4123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        big      IN TXT  "5123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        """;

    /// <summary>Builds a zone from text; fails with every diagnostic if it does not load.</summary>
    public static Zone Build(string origin, string text)
    {
        var name = DnsName.Parse(origin.EndsWith('.') ? origin : origin + ".");
        var parsed = MasterFileParser.ParseText(text, origin + ".zone", name);
        if (parsed.Errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, parsed.Errors));
        }

        var errors = new List<ZoneDiagnostic>();
        var zone = ZoneBuilder.Build(name, parsed.Records, origin + ".zone", errors, []);
        return zone ?? throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
    }

    /// <summary>The example.org test zone.</summary>
    public static Zone Example() => Build("example.org", ExampleOrg);
}
