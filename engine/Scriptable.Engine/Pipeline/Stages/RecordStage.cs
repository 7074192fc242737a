using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Pipeline.Stages;

/// <summary>Record: counts the outcome and writes the per-query debug log. Always runs.</summary>
internal sealed partial class RecordStage
{
    private readonly ILogger _logger;

    /// <summary>Creates the stage.</summary>
    public RecordStage(ILogger logger)
    {
        _logger = logger;
    }

    /// <summary>Counts the query and, at Debug level, logs it.</summary>
    public void Invoke(QueryContext context)
    {
        var counters = context.Counters;
        if (context.ResponseLength == 0)
        {
            counters.Dropped++;
            return;
        }

        counters.CountResponse(context.Rcode, context.Transport);
        counters.CountRequest(context.Transport, context.ClientAddressLength == 16, context.QType,
            System.Diagnostics.Stopwatch.GetTimestamp() - context.StartTimestamp, context.QueryLength, context.ResponseLength, context.DnssecOk);
        if (context.Truncated)
        {
            counters.Truncated++;
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogQuery(context.QName.ToDnsName(), RecordType.ToText(context.QType), context.Transport, ResponseCode.ToText(context.Rcode), context.ResponseLength);
        }
    }

    [LoggerMessage(EventId = EventIds.QueryAnswered, EventName = nameof(EventIds.QueryAnswered), Level = LogLevel.Debug,
        Message = "Query '{QName}' {QType} over {Transport} answered {Rcode} in {Length} octets.")]
    private partial void LogQuery(Protocol.DnsName qName, string qType, DnsTransport transport, string rcode, int length);
}
