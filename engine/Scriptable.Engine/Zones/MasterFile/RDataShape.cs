using System.Collections.Frozen;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// The RDATA of a type that is a plain sequence of fields, written in presentation format one field after another
/// (MX is a preference then an exchange): what <see cref="RDataText"/> parses and prints for most types. Types whose
/// text does not map field for field onto the wire (A, SOA, CAA, LOC, SVCB, APL...) have their own code.
/// </summary>
/// <param name="Needs">What the type needs, for the error when the count of fields is wrong: <c>MX needs {Needs}</c>.</param>
/// <param name="Fields">The fields in order.</param>
internal sealed record RDataShape(string Needs, RDataField[] Fields)
{
    /// <summary>Shapes by type. Each field is <c>kind:name</c>; the kinds are <see cref="RDataFieldKind"/>'s letters.</summary>
    private static readonly FrozenDictionary<ushort, RDataShape> _shapes = new Dictionary<ushort, RDataShape>
    {
        [RecordType.NS] = Of("one name server name", "n:NS name"),
        [RecordType.CNAME] = Of("one target name", "n:CNAME target"),
        [RecordType.PTR] = Of("one target name", "n:PTR target"),
        [RecordType.DNAME] = Of("one target name", "n:DNAME target"),
        [3] = Of("one mail destination", "n:MD name"),
        [4] = Of("one mail forwarder", "n:MF name"),
        [7] = Of("one mailbox host", "n:MB name"),
        [8] = Of("one mail group member", "n:MG name"),
        [9] = Of("one mailbox", "n:MR name"),
        [23] = Of("one name", "n:NSAP-PTR name"),
        [RecordType.MX] = Of("a preference and an exchange", "s:MX preference", "n:MX exchange"),
        [18] = Of("a subtype and a host name", "s:AFSDB subtype", "n:AFSDB host name"),
        [21] = Of("a preference and an intermediate host", "s:RT preference", "n:RT intermediate host"),
        [36] = Of("a preference and an exchanger", "s:KX preference", "n:KX exchanger"),
        [107] = Of("a preference and a name", "s:LP preference", "n:LP name"),
        [14] = Of("a responsible mailbox and an error mailbox", "n:MINFO responsible mailbox", "n:MINFO error mailbox"),
        [17] = Of("a mailbox and a TXT name", "n:RP mailbox", "n:RP TXT name"),
        [58] = Of("a previous name and a next name", "n:TALINK previous name", "n:TALINK next name"),
        [26] = Of("a preference, a MAP822 name and a MAPX400 name", "s:PX preference", "n:PX MAP822", "n:PX MAPX400"),
        [RecordType.SRV] = Of("a priority, a weight, a port and a target", "s:SRV priority", "s:SRV weight", "s:SRV port", "n:SRV target"),
        [RecordType.HINFO] = Of("a CPU and an OS string", "c:HINFO CPU", "c:HINFO OS"),
        [19] = Of("one PSDN address", "c:X25 PSDN address"),
        [27] = Of("a longitude, a latitude and an altitude", "c:GPOS longitude", "c:GPOS latitude", "c:GPOS altitude"),
        [RecordType.TXT] = Of("at least one character-string", "C:TXT string"),
        [RecordType.SPF] = Of("at least one character-string", "C:SPF string"),
        [56] = Of("at least one character-string", "C:NINFO string"),
        [258] = Of("at least one character-string", "C:AVC string"),
        [261] = Of("at least one character-string", "C:RESINFO string"),
        [262] = Of("at least one character-string", "C:WALLET string"),
        [RecordType.NAPTR] = Of(
            "an order, a preference, flags, services, a regexp and a replacement",
            "s:NAPTR order", "s:NAPTR preference", "c:NAPTR flags", "c:NAPTR services", "c:NAPTR regexp", "n:NAPTR replacement"),
        [RecordType.SSHFP] = Of("an algorithm, a fingerprint type and a fingerprint", "b:SSHFP algorithm", "b:SSHFP fingerprint type", "x:SSHFP fingerprint"),
        [RecordType.TLSA] = Of(
            "a usage, a selector, a matching type and certificate data",
            "b:TLSA usage", "b:TLSA selector", "b:TLSA matching type", "x:TLSA certificate data"),
        [53] = Of(
            "a usage, a selector, a matching type and certificate data",
            "b:SMIMEA usage", "b:SMIMEA selector", "b:SMIMEA matching type", "x:SMIMEA certificate data"),
        [RecordType.DS] = DelegationSigner("DS"),
        [RecordType.CDS] = DelegationSigner("CDS"),
        [32768] = DelegationSigner("TA"),
        [32769] = DelegationSigner("DLV"),
        [RecordType.DNSKEY] = Key("DNSKEY", "6"),
        [RecordType.CDNSKEY] = Key("CDNSKEY", "6"),
        [57] = Key("RKEY", "6"),
        [25] = Key("KEY", "7"),
        [24] = Signature("SIG"),
        [RecordType.RRSIG] = Signature("RRSIG"),
        [RecordType.NSEC] = Of("a next name and types", "n:NSEC next name", "m:NSEC types"),
        [50] = Of(
            "a hash algorithm, flags, iterations, a salt, a next hashed owner name and types",
            "b:NSEC3 hash algorithm", "b:NSEC3 flags", "s:NSEC3 iterations", "z:NSEC3 salt", "3:NSEC3 next hashed owner name", "m:NSEC3 types"),
        [51] = Of("a hash algorithm, flags, iterations and a salt", "b:NSEC3PARAM hash algorithm", "b:NSEC3PARAM flags", "s:NSEC3PARAM iterations", "z:NSEC3PARAM salt"),
        [62] = Of("a serial, flags and types", "i:CSYNC serial", "s:CSYNC flags", "m:CSYNC types"),
        [63] = Of("a serial, a scheme, a hash algorithm and a digest", "i:ZONEMD serial", "b:ZONEMD scheme", "b:ZONEMD hash algorithm", "x:ZONEMD digest"),
        [37] = Of("a type, a key tag, an algorithm and a certificate", "k:CERT type", "s:CERT key tag", "B:CERT algorithm", "6:CERT certificate"),
        [40] = Of("a meaning, a coding, a subcoding and data", "b:SINK meaning", "b:SINK coding", "b:SINK subcoding", "7:SINK data"),
        [49] = Of("an identifier in base64", "6:DHCID identifier"),
        [61] = Of("a public key in base64", "6:OPENPGPKEY public key"),
        [31] = Of("an endpoint identifier in hex", "x:EID identifier"),
        [32] = Of("a locator in hex", "x:NIMLOC locator"),
        [104] = Of("a preference and a node identifier", "s:NID preference", "h:NID node identifier"),
        [105] = Of("a preference and a locator", "s:L32 preference", "4:L32 locator"),
        [106] = Of("a preference and a locator", "s:L64 preference", "h:L64 locator"),
        [108] = Of("one address such as 00-00-5e-00-53-2a", "e:EUI48 address"),
        [109] = Of("one address such as 00-00-5e-ef-10-00-00-2a", "E:EUI64 address"),
        [256] = Of("a priority, a weight and a target", "s:URI priority", "s:URI weight", "q:URI target"),
    }.ToFrozenDictionary();

    /// <summary>Fields before the last when it takes the rest of the entry; else all of them.</summary>
    public int Fixed => Fields[^1].Kind.TakesRest() ? Fields.Length - 1 : Fields.Length;

    /// <summary>True when the count of fields fits: exactly the fixed ones, plus one or more (or any) for a last field that takes the rest.</summary>
    public bool Fits(int count) => Fields[^1].Kind.TakesRest()
        ? count >= Fixed + (Fields[^1].Kind.MayBeEmpty() ? 0 : 1)
        : count == Fields.Length;

    /// <summary>The shape of a type, or null when the type has its own code or no text form.</summary>
    public static RDataShape? For(ushort type) => _shapes.GetValueOrDefault(type);

    private static RDataShape Of(string needs, params string[] fields)
    {
        var parsed = new RDataField[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            parsed[i] = new RDataField((RDataFieldKind)fields[i][0], fields[i][2..]);
        }

        return new RDataShape(needs, parsed);
    }

    private static RDataShape DelegationSigner(string type) => Of(
        "a key tag, an algorithm, a digest type and a digest",
        $"s:{type} key tag", $"B:{type} algorithm", $"b:{type} digest type", $"x:{type} digest");

    private static RDataShape Key(string type, string keyKind) => Of(
        "flags, a protocol, an algorithm and a public key",
        $"s:{type} flags", $"b:{type} protocol", $"B:{type} algorithm", $"{keyKind}:{type} public key");

    private static RDataShape Signature(string type) => Of(
        "a type covered, an algorithm, labels, an original TTL, an expiration, an inception, a key tag, a signer and a signature",
        $"t:{type} type covered", $"B:{type} algorithm", $"b:{type} labels", $"l:{type} original TTL", $"T:{type} expiration",
        $"T:{type} inception", $"s:{type} key tag", $"n:{type} signer", $"6:{type} signature");
}

/// <summary>One field of an <see cref="RDataShape"/>: its kind and its name in error messages (<c>MX preference</c>).</summary>
internal readonly record struct RDataField(RDataFieldKind Kind, string Name);
