using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;

namespace Scriptable.Engine.Health;

public sealed partial class HealthMonitor
{
    [LoggerMessage(EventId = EventIds.HealthStateChanged, EventName = nameof(EventIds.HealthStateChanged), Level = LogLevel.Information,
        Message = "Health check '{Check}' is {State}: {Reason} ({Count} {Results} in a row; was {Previous} for {Held}).")]
    private partial void LogStateChanged(string check, string state, string reason, int count, string results, string previous, string held);

    [LoggerMessage(EventId = EventIds.HealthGroupChanged, EventName = nameof(EventIds.HealthGroupChanged), Level = LogLevel.Information,
        Message = "Health group '{Group}' is {State}: {Reason}; was {Previous} for {Held}.")]
    private partial void LogGroupChanged(string group, string state, string reason, string previous, string held);

    [LoggerMessage(EventId = EventIds.HealthOverrideSet, EventName = nameof(EventIds.HealthOverrideSet), Level = LogLevel.Information,
        Message = "Health override of '{Name}' set: {Override}.")]
    private partial void LogOverrideSet(string name, string @override);

    [LoggerMessage(EventId = EventIds.HealthOverrideCleared, EventName = nameof(EventIds.HealthOverrideCleared), Level = LogLevel.Information,
        Message = "Health override of '{Name}' ({Kind}) cleared: its checks decide again.")]
    private partial void LogOverrideCleared(string name, string kind);

    [LoggerMessage(EventId = EventIds.HealthOverrideExpired, EventName = nameof(EventIds.HealthOverrideExpired), Level = LogLevel.Information,
        Message = "Health override of '{Name}' ({Kind}) expired: its checks decide again.")]
    private partial void LogOverrideExpired(string name, string kind);

    [LoggerMessage(EventId = EventIds.HealthProbeFailed, EventName = nameof(EventIds.HealthProbeFailed), Level = LogLevel.Debug,
        Message = "Health probe of '{Check}' failed: {Reason}.")]
    private partial void LogProbeFailed(string check, string reason);

    [LoggerMessage(EventId = EventIds.HealthProbeError, EventName = nameof(EventIds.HealthProbeError), Level = LogLevel.Warning,
        Message = "Health probe of '{Check}' threw unexpectedly; the check stays scheduled.")]
    private partial void LogProbeError(Exception exception, string check);

    [LoggerMessage(EventId = EventIds.HealthConfigApplied, EventName = nameof(EventIds.HealthConfigApplied), Level = LogLevel.Information,
        Message = "Health checks applied: {Checks} checks ({Added} added, {Removed} removed, {Restarted} restarted), {Groups} groups.")]
    private partial void LogApplied(int checks, int added, int removed, int restarted, int groups);

    [LoggerMessage(EventId = EventIds.HealthPublishFailed, EventName = nameof(EventIds.HealthPublishFailed), Level = LogLevel.Error,
        Message = "Publishing the health map failed; the next change publishes again.")]
    private partial void LogPublishFailed(Exception exception);
}
