using System.Collections.Frozen;
using System.Globalization;

namespace Scriptable.Engine.Protocol;

/// <summary>DNS resource record type numbers (IANA registry) and their mnemonics.</summary>
public static class RecordType
{
    /// <summary>IPv4 address.</summary>
    public const ushort A = 1;
    /// <summary>Authoritative name server.</summary>
    public const ushort NS = 2;
    /// <summary>Canonical name.</summary>
    public const ushort CNAME = 5;
    /// <summary>Start of authority.</summary>
    public const ushort SOA = 6;
    /// <summary>Domain name pointer.</summary>
    public const ushort PTR = 12;
    /// <summary>Host information (RFC 8482 uses it for minimal ANY answers).</summary>
    public const ushort HINFO = 13;
    /// <summary>Mail exchange.</summary>
    public const ushort MX = 15;
    /// <summary>Text strings.</summary>
    public const ushort TXT = 16;
    /// <summary>IPv6 address.</summary>
    public const ushort AAAA = 28;
    /// <summary>Service locator.</summary>
    public const ushort SRV = 33;
    /// <summary>Naming authority pointer.</summary>
    public const ushort NAPTR = 35;
    /// <summary>Delegation name (not synthesised by this server).</summary>
    public const ushort DNAME = 39;
    /// <summary>EDNS pseudo-record.</summary>
    public const ushort OPT = 41;
    /// <summary>Delegation signer.</summary>
    public const ushort DS = 43;
    /// <summary>SSH key fingerprint.</summary>
    public const ushort SSHFP = 44;
    /// <summary>DNSSEC signature.</summary>
    public const ushort RRSIG = 46;
    /// <summary>Authenticated denial of existence.</summary>
    public const ushort NSEC = 47;
    /// <summary>DNSSEC public key.</summary>
    public const ushort DNSKEY = 48;
    /// <summary>Child DS (RFC 7344): the DS the child wants its parent to publish.</summary>
    public const ushort CDS = 59;
    /// <summary>Child DNSKEY (RFC 7344).</summary>
    public const ushort CDNSKEY = 60;
    /// <summary>The name does not exist: a type bit only, in compact denial's NSEC (RFC 9824); queries for it are FORMERR.</summary>
    public const ushort NXNAME = 128;
    /// <summary>TLS certificate association.</summary>
    public const ushort TLSA = 52;
    /// <summary>Service binding.</summary>
    public const ushort SVCB = 64;
    /// <summary>HTTPS service binding.</summary>
    public const ushort HTTPS = 65;
    /// <summary>Sender policy framework (obsolete; TXT is used instead).</summary>
    public const ushort SPF = 99;
    /// <summary>Transaction key (meta type).</summary>
    public const ushort TKEY = 249;
    /// <summary>Transaction signature (meta type).</summary>
    public const ushort TSIG = 250;
    /// <summary>Incremental zone transfer.</summary>
    public const ushort IXFR = 251;
    /// <summary>Full zone transfer.</summary>
    public const ushort AXFR = 252;
    /// <summary>Obsolete mailbox query types.</summary>
    public const ushort MAILB = 253;
    /// <summary>Obsolete mail agent query type.</summary>
    public const ushort MAILA = 254;
    /// <summary>Any type (answered minimally, RFC 8482).</summary>
    public const ushort ANY = 255;
    /// <summary>Certification authority authorization.</summary>
    public const ushort CAA = 257;
    /// <summary>Location (RFC 1876).</summary>
    public const ushort LOC = 29;

    private static readonly FrozenDictionary<string, ushort> s_byName = new Dictionary<string, ushort>(StringComparer.OrdinalIgnoreCase)
    {
        ["A"] = A, ["NS"] = NS, ["CNAME"] = CNAME, ["SOA"] = SOA, ["PTR"] = PTR, ["HINFO"] = HINFO,
        ["MX"] = MX, ["TXT"] = TXT, ["AAAA"] = AAAA, ["SRV"] = SRV, ["NAPTR"] = NAPTR, ["DNAME"] = DNAME,
        ["OPT"] = OPT, ["DS"] = DS, ["SSHFP"] = SSHFP, ["RRSIG"] = RRSIG, ["NSEC"] = NSEC, ["DNSKEY"] = DNSKEY,
        ["TLSA"] = TLSA, ["SVCB"] = SVCB, ["HTTPS"] = HTTPS, ["SPF"] = SPF, ["TKEY"] = TKEY, ["TSIG"] = TSIG,
        ["IXFR"] = IXFR, ["AXFR"] = AXFR, ["MAILB"] = MAILB, ["MAILA"] = MAILA, ["ANY"] = ANY, ["CAA"] = CAA,

        // The other types BIND 9.18 reads in zone files (IANA's mnemonics), so zones holding them load and print.
        ["MD"] = 3, ["MF"] = 4, ["MB"] = 7, ["MG"] = 8, ["MR"] = 9, ["NULL"] = 10, ["WKS"] = 11, ["MINFO"] = 14,
        ["RP"] = 17, ["AFSDB"] = 18, ["X25"] = 19, ["ISDN"] = 20, ["RT"] = 21, ["NSAP"] = 22, ["NSAP-PTR"] = 23,
        ["SIG"] = 24, ["KEY"] = 25, ["PX"] = 26, ["GPOS"] = 27, ["LOC"] = LOC, ["NXT"] = 30, ["EID"] = 31,
        ["NIMLOC"] = 32, ["ATMA"] = 34, ["KX"] = 36, ["CERT"] = 37, ["A6"] = 38, ["SINK"] = 40, ["APL"] = 42,
        ["IPSECKEY"] = 45, ["DHCID"] = 49, ["NSEC3"] = 50, ["NSEC3PARAM"] = 51, ["SMIMEA"] = 53, ["HIP"] = 55,
        ["NINFO"] = 56, ["RKEY"] = 57, ["TALINK"] = 58, ["CDS"] = CDS, ["CDNSKEY"] = CDNSKEY, ["OPENPGPKEY"] = 61,
        ["CSYNC"] = 62, ["ZONEMD"] = 63, ["NID"] = 104, ["L32"] = 105, ["L64"] = 106, ["LP"] = 107,
        ["EUI48"] = 108, ["EUI64"] = 109, ["URI"] = 256, ["AVC"] = 258, ["DOA"] = 259, ["AMTRELAY"] = 260,
        ["RESINFO"] = 261, ["WALLET"] = 262, ["TA"] = 32768, ["DLV"] = 32769,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<ushort, string> s_byNumber =
        s_byName.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>Parses a mnemonic (<c>AAAA</c>) or the RFC 3597 form (<c>TYPE28</c>).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out ushort type)
    {
        var lookup = s_byName.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(text, out type))
        {
            return true;
        }

        if (text.Length > 4 && text[..4].Equals("TYPE", StringComparison.OrdinalIgnoreCase)
            && ushort.TryParse(text[4..], NumberStyles.None, CultureInfo.InvariantCulture, out type))
        {
            return true;
        }

        type = 0;
        return false;
    }

    /// <summary>Returns the mnemonic of a type, or <c>TYPEnnn</c> when it has none.</summary>
    public static string ToText(ushort type) =>
        s_byNumber.TryGetValue(type, out var name) ? name : "TYPE" + type.ToString(CultureInfo.InvariantCulture);

    /// <summary>True for meta and query-only types that never appear as zone data.</summary>
    public static bool IsMetaType(ushort type) => type is OPT or TKEY or TSIG or IXFR or AXFR or MAILA or MAILB or ANY
        || (type >= 128 && type <= 255);

    /// <summary>
    /// True for the RFC 1035 types whose RDATA names may be compressed (RFC 3597 section 4);
    /// every later type's names are written in full.
    /// </summary>
    public static bool HasCompressibleNames(ushort type) => type is NS or CNAME or SOA or PTR or MX or 3 or 4 or 7 or 8 or 9 or 14;
}
