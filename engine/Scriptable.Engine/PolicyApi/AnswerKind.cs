namespace Scriptable.Policies;

/// <summary>What an <see cref="Answer"/> tells the server to do.</summary>
public enum AnswerKind
{
    /// <summary>Answer from the zone file, as if the name had no policy.</summary>
    Static,

    /// <summary>Answer with records (only those of the query type are sent; none: NODATA).</summary>
    Records,

    /// <summary>The name does not exist (NXDOMAIN, SOA in authority).</summary>
    NxDomain,

    /// <summary>The name exists but has no records of the query type (NOERROR, SOA in authority).</summary>
    NoData,

    /// <summary>Refuse the query (REFUSED).</summary>
    Refused,

    /// <summary>Fail the query (SERVFAIL): resolvers try another server or report the failure.</summary>
    ServFail,
}
