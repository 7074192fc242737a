using Scriptable.Engine.Protocol;
using Scriptable.Engine.Transfers;

namespace Scriptable.Engine.Pipeline.Stages;

/// <summary>
/// Tsig: verifies a signed query (RFC 8945 section 5.2) against the configured keys: an unknown key gets NOTAUTH
/// with TSIG error BADKEY, a wrong MAC BADSIG (both unsigned), a time outside the fudge BADTIME (signed). A
/// verified query goes on, and Finalize signs its answer. An unsigned query costs one test.
/// </summary>
internal sealed class TsigStage(TimeProvider time) : QueryStage
{
    /// <inheritdoc />
    public override StageResult Invoke(QueryContext context)
    {
        var tsig = context.Tsig;
        if (!tsig.Present)
        {
            return StageResult.Continue;
        }

        var rcode = TsigCodec.Verify(context.Packet, tsig, context.Snapshot.Config.Transfers.Keys, time.GetUtcNow().ToUnixTimeSeconds());
        return rcode == ResponseCode.NoError ? StageResult.Continue : context.Respond(rcode);
    }
}
