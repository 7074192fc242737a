using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;

namespace Scriptable.Server.Observability.Dnstap;

internal sealed partial class DnstapWriter
{
    [LoggerMessage(EventId = EventIds.DnstapConnected, EventName = nameof(EventIds.DnstapConnected), Level = LogLevel.Information,
        Message = "dnstap: sending to '{Destination}'.")]
    private partial void LogConnected(string destination);

    [LoggerMessage(EventId = EventIds.DnstapFailed, EventName = nameof(EventIds.DnstapFailed), Level = LogLevel.Warning,
        Message = "dnstap: cannot send to '{Destination}' ({Reason}); trying again in {Seconds} s, then less often (up to every 5 s). Queries go on; those the queue cannot hold are dropped and counted (scriptable_dnstap_dropped_total).")]
    private partial void LogFailed(string destination, string reason, double seconds);

    [LoggerMessage(EventId = EventIds.DnstapGaveUp, EventName = nameof(EventIds.DnstapGaveUp), Level = LogLevel.Warning,
        Message = "dnstap: the reader at '{Destination}' read nothing for {Seconds} s while stopping; what it did not take is dropped.")]
    private partial void LogGaveUp(string destination, double seconds);

    [LoggerMessage(EventId = EventIds.DnstapStopped, EventName = nameof(EventIds.DnstapStopped), Level = LogLevel.Information,
        Message = "dnstap: stopped sending to '{Destination}' ({Sent} messages sent, {Dropped} queries dropped).")]
    private partial void LogStopped(string destination, long sent, long dropped);
}
