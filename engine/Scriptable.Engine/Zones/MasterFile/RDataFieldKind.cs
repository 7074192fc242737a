namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>How a field is written in text and on the wire; the value is the letter used in shapes.</summary>
internal enum RDataFieldKind
{
    /// <summary>8-bit number.</summary>
    UInt8 = 'b',

    /// <summary>8-bit DNSSEC algorithm: a number or a mnemonic such as ECDSAP256SHA256.</summary>
    Algorithm = 'B',

    /// <summary>16-bit number.</summary>
    UInt16 = 's',

    /// <summary>32-bit number.</summary>
    UInt32 = 'i',

    /// <summary>32-bit TTL: seconds or units (1h).</summary>
    Ttl = 'l',

    /// <summary>32-bit time: YYYYMMDDHHmmSS (UTC) or seconds since 1970 (RFC 4034 section 3.2).</summary>
    Time = 'T',

    /// <summary>16-bit record type: a mnemonic or TYPEnnn.</summary>
    Type = 't',

    /// <summary>16-bit CERT type: a mnemonic (RFC 4398) or a number.</summary>
    CertificateType = 'k',

    /// <summary>A domain name, relative to the origin, written uncompressed.</summary>
    Name = 'n',

    /// <summary>One character-string (a length octet and up to 255 octets).</summary>
    CharacterString = 'c',

    /// <summary>One or more character-strings, to the end.</summary>
    CharacterStrings = 'C',

    /// <summary>Hex digits to the end, possibly over several fields; at least one.</summary>
    Hex = 'x',

    /// <summary>Base64 to the end, possibly over several fields; at least one.</summary>
    Base64 = '6',

    /// <summary>Base64 to the end, possibly none.</summary>
    OptionalBase64 = '7',

    /// <summary>Text to the end of the RDATA, with no length octet (URI target, CAA value).</summary>
    Text = 'q',

    /// <summary>NSEC3 salt: a length octet and hex, or <c>-</c> for none.</summary>
    Salt = 'z',

    /// <summary>NSEC3 next hashed owner: a length octet and base32hex (RFC 4648 section 7).</summary>
    Base32Hex = '3',

    /// <summary>Type bitmap (RFC 4034 section 4.1.2): type mnemonics to the end, possibly none.</summary>
    Types = 'm',

    /// <summary>IPv4 address.</summary>
    IPv4 = '4',

    /// <summary>EUI-48 address: six hex pairs joined by <c>-</c>.</summary>
    Eui48 = 'e',

    /// <summary>EUI-64 address: eight hex pairs joined by <c>-</c>.</summary>
    Eui64 = 'E',

    /// <summary>64-bit identifier as four groups of four hex digits joined by <c>:</c> (RFC 6742).</summary>
    Locator64 = 'h',
}

/// <summary>What a field kind's text spans.</summary>
internal static class RDataFieldKindExtensions
{
    /// <summary>True for kinds that take every remaining field of the entry.</summary>
    public static bool TakesRest(this RDataFieldKind kind) => kind is RDataFieldKind.CharacterStrings or RDataFieldKind.Hex
        or RDataFieldKind.Base64 or RDataFieldKind.OptionalBase64 or RDataFieldKind.Types;

    /// <summary>True for rest kinds that may have no field at all.</summary>
    public static bool MayBeEmpty(this RDataFieldKind kind) => kind is RDataFieldKind.OptionalBase64 or RDataFieldKind.Types;
}
