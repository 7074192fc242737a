namespace Scriptable.Engine.Policies;

/// <summary>
/// What a name answers when its policy cannot: it threw, ran out of budget, or never compiled. Set per
/// policy with <c>// scriptable: fallback=...</c>, or for every policy in the server configuration.
/// </summary>
public enum PolicyFallback
{
    /// <summary>SERVFAIL: resolvers retry another server or report the failure (the default).</summary>
    ServFail,

    /// <summary>The name's static records from the zone file, as if it had no policy.</summary>
    Static,

    /// <summary>NOERROR with no records (NODATA).</summary>
    NoData,

    /// <summary>NXDOMAIN.</summary>
    NxDomain,

    /// <summary>REFUSED.</summary>
    Refused,
}
