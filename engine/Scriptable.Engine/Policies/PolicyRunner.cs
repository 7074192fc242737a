using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;
using Scriptable.Policies;
using Scriptable.Policies.Runtime;

namespace Scriptable.Engine.Policies;

/// <summary>
/// Runs a policy for one query, safely: inside its budget, with relative record names resolved against its
/// zone, and never throwing. An exception, a budget stop, a null answer, or a version that never loaded
/// gives the policy's fallback, is counted, and is logged at most once per burst with the policy's file and
/// line. A version stopped for running out of time is benched for a second (its name answers the fallback
/// at once), so a looping policy cannot hold the receive threads.
/// </summary>
internal sealed partial class PolicyRunner
{
    /// <summary>One run in this many is timed for the duration metric.</summary>
    public const int SampleEvery = 64;

    private static readonly long BurstTicks = Stopwatch.Frequency * 10;
    private static readonly long BenchTicks = Stopwatch.Frequency;

    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates a runner.</summary>
    public PolicyRunner(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
    }

    /// <summary>
    /// Asks the policy of <paramref name="binding"/> to answer the query in <paramref name="query"/> for
    /// <paramref name="owner"/> (null: the question name). Never throws; never returns null.
    /// </summary>
    public Answer Run(PolicyBinding binding, QueryContext query, DnsName? owner)
    {
        var stats = binding.Stats;
        stats.CountQuery();
        query.AnsweredBy = binding;
        var ctx = query.PolicyContext;
        ctx.Reset(query, query.Zone!, owner, query.Snapshot.Health, _time);
        var version = binding.Version;
        if (version is null || (version.IsTrippedFlag && version.IsTripped(Stopwatch.GetTimestamp())))
        {
            stats.CountFallback();
            if (query.Explain)
            {
                query.PolicyNote = version is null
                    ? $"the policy never compiled: answered its fallback ({binding.Settings.Fallback})"
                    : $"the policy is benched for a second after running out of time: answered its fallback ({binding.Settings.Fallback})";
            }

            return Fallback(binding.Settings.Fallback);
        }

        var sample = (++query.Counters.PolicyRuns % SampleEvery) == 0;
        var started = sample ? Stopwatch.GetTimestamp() : 0;
        var previous = PolicyScope.Enter(binding.Origin);
        Answer? answer;
        try
        {
            using (Budget.Begin(version.Limits))
            {
                answer = version.Run(ctx);
            }
        }
        catch (Exception ex) when (FindBudgetStop(ex) is { } stop)
        {
            // Framework code may wrap the stop (a comparer inside List.Sort, a type initialiser).
            stats.CountBudgetStop();
            if (stop.Kind == BudgetKind.Time && !query.Isolated)
            {
                version.Trip(Stopwatch.GetTimestamp() + BenchTicks);
            }

            return Failed(binding, version, stop, query);
        }
        catch (Exception ex)
        {
            stats.CountException();
            return Failed(binding, version, ex, query);
        }
        finally
        {
            PolicyScope.Restore(previous);
            if (sample)
            {
                stats.AddSample(Stopwatch.GetTimestamp() - started);
            }
        }

        if (answer is null)
        {
            stats.CountException();
            return Failed(binding, version, new InvalidOperationException("the policy returned null instead of an Answer"), query);
        }

        return answer;
    }

    private static BudgetExceededException? FindBudgetStop(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BudgetExceededException stop)
            {
                return stop;
            }
        }

        return null;
    }

    /// <summary>The answer a fallback setting stands for.</summary>
    public static Answer Fallback(PolicyFallback fallback) => fallback switch
    {
        PolicyFallback.Static => Answer.Static,
        PolicyFallback.NoData => Answer.NoData,
        PolicyFallback.NxDomain => Answer.NxDomain,
        PolicyFallback.Refused => Answer.Refused,
        _ => Answer.ServFail,
    };

    private Answer Failed(PolicyBinding binding, PolicyVersion version, Exception exception, QueryContext query)
    {
        binding.Stats.CountFallback();
        if (query.Explain)
        {
            var (where, line) = PolicyVersion.FindUserFrame(exception, version.File);
            query.PolicyNote = $"{exception.GetType().Name} at {(line > 0 ? $"{where}:line {line}" : where)}: {exception.Message} Answered its fallback ({binding.Settings.Fallback}).";
        }

        if (binding.Stats.ShouldLog(Stopwatch.GetTimestamp(), BurstTicks, out var suppressed) && _logger.IsEnabled(LogLevel.Warning))
        {
            // Only the text is kept: an exception object of a script type would keep its version loaded.
            var (file, line) = PolicyVersion.FindUserFrame(exception, version.File);
            LogPolicyFailed(binding.Owner.ToString(), version.Revision, line > 0 ? $"{file}:line {line}" : file,
                exception.GetType().Name + ": " + exception.Message, binding.Settings.Fallback, suppressed);
        }

        return Fallback(binding.Settings.Fallback);
    }

    [LoggerMessage(EventId = EventIds.PolicyFailed, EventName = nameof(EventIds.PolicyFailed), Level = LogLevel.Warning,
        Message = "Policy '{Name}' revision {Revision} failed at {Where}: {Error} It answered its fallback ({Fallback}); {Suppressed} more failures since the last report.")]
    private partial void LogPolicyFailed(string name, int revision, string where, string error, PolicyFallback fallback, long suppressed);
}
