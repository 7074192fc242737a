namespace Scriptable.Policies;

/// <summary>
/// DNS record types a policy compares the query type with (<c>ctx.Query.Type == DnsType.AAAA</c>). Any other
/// type number is still a valid value: cast it (<c>(DnsType)65</c>).
/// </summary>
public enum DnsType : ushort
{
    /// <summary>IPv4 address.</summary>
    A = 1,

    /// <summary>Name server.</summary>
    NS = 2,

    /// <summary>Canonical name (alias).</summary>
    CNAME = 5,

    /// <summary>Start of authority.</summary>
    SOA = 6,

    /// <summary>Pointer (reverse lookups).</summary>
    PTR = 12,

    /// <summary>Host information.</summary>
    HINFO = 13,

    /// <summary>Mail exchange.</summary>
    MX = 15,

    /// <summary>Text.</summary>
    TXT = 16,

    /// <summary>IPv6 address.</summary>
    AAAA = 28,

    /// <summary>Service locator.</summary>
    SRV = 33,

    /// <summary>Naming authority pointer.</summary>
    NAPTR = 35,

    /// <summary>Delegation signer.</summary>
    DS = 43,

    /// <summary>SSH fingerprint.</summary>
    SSHFP = 44,

    /// <summary>DNSSEC key.</summary>
    DNSKEY = 48,

    /// <summary>TLS association.</summary>
    TLSA = 52,

    /// <summary>Service binding.</summary>
    SVCB = 64,

    /// <summary>HTTPS service binding.</summary>
    HTTPS = 65,

    /// <summary>Any type (answered minimally, RFC 8482).</summary>
    ANY = 255,

    /// <summary>Certification authority authorization.</summary>
    CAA = 257,
}
