namespace Scriptable.Engine.Protocol;

/// <summary>DNS response codes, including the EDNS extended ones (RFC 6891).</summary>
public static class ResponseCode
{
    /// <summary>No error.</summary>
    public const int NoError = 0;
    /// <summary>The query could not be interpreted.</summary>
    public const int FormErr = 1;
    /// <summary>The server failed to complete the request.</summary>
    public const int ServFail = 2;
    /// <summary>The name does not exist.</summary>
    public const int NXDomain = 3;
    /// <summary>The kind of query is not implemented.</summary>
    public const int NotImp = 4;
    /// <summary>The server refuses to answer (not authoritative, or policy).</summary>
    public const int Refused = 5;
    /// <summary>Not authoritative for the zone (zone transfer and update responses).</summary>
    public const int NotAuth = 9;
    /// <summary>Name exists when it should not: a DNAME substitution too long for a name (RFC 6672 section 2.2).</summary>
    public const int YXDomain = 6;
    /// <summary>EDNS version not supported (extended, needs OPT).</summary>
    public const int BadVers = 16;
    /// <summary>Bad or missing server cookie (extended, needs OPT).</summary>
    public const int BadCookie = 23;

    /// <summary>Number of distinct codes tracked by metrics (0..23).</summary>
    public const int Count = 24;

    /// <summary>The mnemonic used in logs and metric tags.</summary>
    public static string ToText(int rcode) => rcode switch
    {
        NoError => "NOERROR",
        FormErr => "FORMERR",
        ServFail => "SERVFAIL",
        NXDomain => "NXDOMAIN",
        NotImp => "NOTIMP",
        Refused => "REFUSED",
        NotAuth => "NOTAUTH",
        BadVers => "BADVERS",
        BadCookie => "BADCOOKIE",
        _ => "RCODE" + rcode.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
