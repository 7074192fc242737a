using Scriptable.Engine.Protocol;

namespace Scriptable.Server.Observability.QueryLog;

/// <summary>Classes of answers the query log selects (CoreDNS's log <c>class</c>).</summary>
[Flags]
internal enum QueryLogClasses
{
    /// <summary>None selected.</summary>
    None = 0,

    /// <summary>NOERROR with an answer (or a referral).</summary>
    Success = 1,

    /// <summary>NXDOMAIN, and NODATA (NOERROR, authoritative, no answer).</summary>
    Denial = 2,

    /// <summary>Every other rcode: SERVFAIL, REFUSED, NOTIMP, FORMERR, BADVERS...</summary>
    Error = 4,

    /// <summary>Every answer.</summary>
    All = Success | Denial | Error,
}

/// <summary>Tells which class an answer is in, from its rcode and header.</summary>
internal static class QueryLogClassifier
{
    /// <summary>Parses <c>success</c>, <c>denial</c>, <c>error</c> or <c>all</c> (any case).</summary>
    public static bool TryParse(string text, out QueryLogClasses classes)
    {
        classes = text.Trim().ToLowerInvariant() switch
        {
            "success" => QueryLogClasses.Success,
            "denial" => QueryLogClasses.Denial,
            "error" => QueryLogClasses.Error,
            "all" => QueryLogClasses.All,
            _ => QueryLogClasses.None,
        };
        return classes != QueryLogClasses.None;
    }

    /// <summary>The class of a response with <paramref name="rcode"/> whose header is <paramref name="header"/> (12 octets).</summary>
    public static QueryLogClasses Classify(int rcode, ReadOnlySpan<byte> header)
    {
        if (rcode == ResponseCode.NXDomain)
        {
            return QueryLogClasses.Denial;
        }

        if (rcode != ResponseCode.NoError)
        {
            return QueryLogClasses.Error;
        }

        var answers = header.Length >= 8 ? (header[6] << 8) | header[7] : 0;
        var authoritative = header.Length >= 3 && (header[2] & 0x04) != 0;
        return answers == 0 && authoritative ? QueryLogClasses.Denial : QueryLogClasses.Success;
    }
}
