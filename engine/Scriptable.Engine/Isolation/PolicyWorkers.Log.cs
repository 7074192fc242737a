using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Policies;

namespace Scriptable.Engine.Isolation;

public sealed partial class PolicyWorkers
{
    private void LogLost(Death death, string reason)
    {
        var version = death.Version;
        if (version is null)
        {
            LogIdleDied(death.Process.Id, reason);
        }
        else if (death.How == "held")
        {
            LogHeld(death.Name, version.Version.Revision, death.Process.Id, death.Question, version.DeadlineMilliseconds,
                WorkerSettings.KillAfterMilliseconds(version.DeadlineMilliseconds) / 1000.0, version.Version.Settings.Fallback);
        }
        else
        {
            LogDied(death.Name, version.Version.Revision, death.Process.Id, death.How, death.Question, reason, version.Version.Settings.Fallback);
        }
    }

    [LoggerMessage(EventId = EventIds.PolicyWorkerFailed, EventName = nameof(EventIds.PolicyWorkerFailed), Level = LogLevel.Warning,
        Message = "Policy '{Name}' revision {Revision} failed in its worker process at {Where}: {Error} It answered its fallback ({Fallback}); {Suppressed} more failures since the last report.")]
    private partial void LogPolicyFailed(string name, int revision, string where, string error, PolicyFallback fallback, long suppressed);

    [LoggerMessage(EventId = EventIds.PolicyWorkerDied, EventName = nameof(EventIds.PolicyWorkerDied), Level = LogLevel.Error,
        Message = "Policy '{Name}' revision {Revision}: its worker process {Pid} {How} while answering {Question}: {Reason}. The query answered the fallback ({Fallback}), the version is benched, and a new worker starts.")]
    private partial void LogDied(string name, int revision, int pid, string how, string question, string reason, PolicyFallback fallback);

    [LoggerMessage(EventId = EventIds.PolicyWorkerHeld, EventName = nameof(EventIds.PolicyWorkerHeld), Level = LogLevel.Error,
        Message = "Policy '{Name}' revision {Revision}: its worker process {Pid} was still answering {Question} {Seconds:0.#} s after the query's {Deadline} ms deadline (work no budget stops, such as inside framework code) and was killed. The query had answered the fallback ({Fallback}); the version is benched, and a new worker starts.")]
    private partial void LogHeld(string name, int revision, int pid, string question, int deadline, double seconds, PolicyFallback fallback);

    [LoggerMessage(EventId = EventIds.PolicyWorkerLate, EventName = nameof(EventIds.PolicyWorkerLate), Level = LogLevel.Warning,
        Message = "Policy '{Name}' revision {Revision}: its worker process {Pid} answered {Question} after about {Milliseconds} ms, past the query's {Deadline} ms deadline; the query had answered the fallback and the version is benched. The worker serves on (Policy:Workers:DeadlineBudgets sets the deadline).")]
    private partial void LogLate(string name, int revision, int pid, string question, long milliseconds, int deadline);

    [LoggerMessage(EventId = EventIds.PolicyWorkerIdleDied, EventName = nameof(EventIds.PolicyWorkerIdleDied), Level = LogLevel.Error,
        Message = "Policy worker process {Pid} died while idle: {Reason}. No query was in flight on it; a new worker starts.")]
    private partial void LogIdleDied(int pid, string reason);

    [LoggerMessage(EventId = EventIds.PolicyWorkerGeoFailed, EventName = nameof(EventIds.PolicyWorkerGeoFailed), Level = LogLevel.Error,
        Message = "Policy worker {Channel} (process {Pid}, running as {User}) cannot use a geo database the server uses: {Reason}. Isolated policies answer from that worker without it, unlike in process: make the file readable to that user (Isolation/README.md).")]
    private partial void LogGeoFailed(int channel, int pid, string user, string reason);

    [LoggerMessage(EventId = EventIds.PolicyWorkerStarted, EventName = nameof(EventIds.PolicyWorkerStarted), Level = LogLevel.Information,
        Message = "Policy worker {Channel} started: process {Pid}, running as {User}, {Versions} policy versions loaded.")]
    private partial void LogStarted(int channel, int pid, string user, int versions);

    [LoggerMessage(EventId = EventIds.PolicyWorkerStartFailed, EventName = nameof(EventIds.PolicyWorkerStartFailed), Level = LogLevel.Error,
        Message = "Policy worker {Channel} cannot start: {Reason}. Isolated policies answer their fallback until a worker runs; trying again.")]
    private partial void LogStartFailed(int channel, string reason);

    [LoggerMessage(EventId = EventIds.PolicyWorkerLoadFailed, EventName = nameof(EventIds.PolicyWorkerLoadFailed), Level = LogLevel.Warning,
        Message = "Policy worker {Channel} (process {Pid}) did not load version {Id}: {Diagnostics} Its queries on this worker answer the fallback.")]
    private partial void LogLoadFailed(int channel, int pid, long id, string diagnostics);

    [LoggerMessage(EventId = EventIds.PolicyWorkerControlLost, EventName = nameof(EventIds.PolicyWorkerControlLost), Level = LogLevel.Error,
        Message = "Policy worker {Channel} (process {Pid}) was lost {What} {File}: {Reason}. A new worker starts.")]
    private partial void LogControlLost(int channel, int pid, string file, string what, string reason);

    [LoggerMessage(EventId = EventIds.PolicyWorkerUnavailable, EventName = nameof(EventIds.PolicyWorkerUnavailable), Level = LogLevel.Warning,
        Message = "Policy '{Name}' revision {Revision} was not run: {Why}. It answered its fallback ({Fallback}); logged at most once per 10 s.")]
    private partial void LogNoWorker(string name, int revision, string why, PolicyFallback fallback);
}
