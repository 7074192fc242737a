using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Pipeline.Stages;

/// <summary>
/// Validate: checks what kind of query this is, in the order of NSD's <c>query_process</c>: opcode QUERY
/// (else NOTIMP), EDNS version 0 (else BADVERS), class IN (else REFUSED), a type that can be asked (meta
/// types: FORMERR or NOTIMP; zone transfers go on to the Transfer stage).
/// </summary>
internal sealed class ValidateStage : QueryStage
{
    /// <inheritdoc />
    public override StageResult Invoke(QueryContext context)
    {
        if (context.Opcode != OpCode.Query)
        {
            return context.Respond(ResponseCode.NotImp);
        }

        if (context.HasEdns && context.EdnsVersion > 0)
        {
            return context.Respond(ResponseCode.BadVers);
        }

        if (context.QClass != DnsClass.IN)
        {
            return context.Respond(context.QClass is DnsClass.CH or DnsClass.HS or DnsClass.ANY or DnsClass.NONE
                ? ResponseCode.Refused
                : ResponseCode.NotImp);
        }

        switch (context.QType)
        {
            case RecordType.OPT or RecordType.TSIG or RecordType.TKEY or RecordType.NXNAME or 0:
                // NXNAME is a bit of compact denial's NSEC, never a question (RFC 9824 section 3.4).
                return context.Respond(ResponseCode.FormErr);
            case RecordType.MAILA or RecordType.MAILB:
                return context.Respond(ResponseCode.NotImp);
            default:
                return StageResult.Continue;
        }
    }
}
