using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Containment;
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
/// line. A version stopped by any budget (time, stack, memory) is benched: its name answers the fallback at once
/// for a second, longer while it keeps failing (<see cref="PolicyBench"/>), so a failing policy costs one stopped
/// run per bench and cannot hold the receive threads.
/// </summary>
internal sealed partial class PolicyRunner
{
    /// <summary>One run in this many is timed for the duration metric.</summary>
    public const int SampleEvery = 64;

    private static readonly long BurstTicks = Stopwatch.Frequency * 10;

    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>What the query log and dnstap show as the pick of a query answered with its policy's fallback.</summary>
    public const string FallbackPick = "fallback";

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
        if (version is null || version.Bench.IsBenched)
        {
            stats.CountFallback();
            query.PolicyPick = FallbackPick;
            if (query.Explain)
            {
                query.PolicyNote = version is null
                    ? $"the policy never compiled: answered its fallback ({binding.Settings.Fallback})"
                    : BenchedNote(version.Bench, binding.Settings.Fallback);
                query.PolicyFailure = new PolicyFailure(version is null ? PolicyFailureKind.NeverLoaded : PolicyFailureKind.Benched, "", binding.File, 0, query.PolicyNote);
            }

            return Fallback(binding.Settings.Fallback);
        }

        if (version.Isolated is { } isolated)
        {
            // Not loaded here: a policy worker process runs it (Isolation/README.md).
            return isolated.Run(binding, query, owner);
        }

        var sample = (++query.Counters.PolicyRuns % SampleEvery) == 0;

        // One clock read, as before: the budget starts from it, and the journal records it. The slot stays
        // written until the failure below is described, which may read the policy's own exception text.
        var started = Stopwatch.GetTimestamp();
        query.Slot?.Enter(version.JournalId, started, (byte)query.Transport, query.ClientAddress, query.ClientPort, query.Packet);
        var previous = PolicyScope.Enter(binding.Origin);
        Answer? answer;
        try
        {
            using (Budget.Begin(version.Limits, started))
            {
                answer = version.Run(ctx);
            }
        }
        catch (Exception ex) when (FindBudgetStop(ex) is { } stop)
        {
            // Framework code may wrap the stop (a comparer inside List.Sort, a type initialiser).
            stats.CountBudgetStop();
            if (!query.Isolated)
            {
                Bench(binding, version, BenchReasons.Of(stop.Kind));
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
            query.Slot?.Exit();
            PolicyScope.Restore(previous);
            if (sample)
            {
                stats.AddSample(Stopwatch.GetTimestamp() - started);
            }
        }

        if (answer is null)
        {
            stats.CountException();
            return Failed(binding, version, new InvalidOperationException("the policy returned null instead of an Answer"), query, nullAnswer: true);
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

    /// <summary>Benches a version whose run was stopped; logs the bench once per burst.</summary>
    private void Bench(PolicyBinding binding, PolicyVersion version, BenchReason reason)
    {
        var now = Stopwatch.GetTimestamp();
        var length = version.Bench.Fail(reason, now);
        if (length == 0)
        {
            return;
        }

        var counters = binding.Stats.Containment;
        counters.CountBench(reason);
        if (counters.ShouldLog(now, BurstTicks) && _logger.IsEnabled(LogLevel.Warning))
        {
            LogPolicyBenched(binding.Owner.ToString(), version.Revision, (double)length / Stopwatch.Frequency, BenchReasons.Describe(reason), binding.Settings.Fallback, version.Bench.Benches);
        }
    }

    private static string BenchedNote(PolicyBench bench, PolicyFallback fallback)
    {
        var left = Math.Max(0, bench.Until - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency;
        return $"the policy is benched {BenchReasons.Describe(bench.Reason)} ({left:F1} s left): answered its fallback ({fallback})";
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

    private Answer Failed(PolicyBinding binding, PolicyVersion version, Exception exception, QueryContext query, bool nullAnswer = false)
    {
        binding.Stats.CountFallback();
        query.PolicyPick = FallbackPick;
        if (query.Explain)
        {
            var (where, line) = PolicyVersion.FindUserFrame(exception, version.File);
            var message = PolicyText.Message(exception) ?? "(its message could not be read)";
            query.PolicyNote = $"{exception.GetType().Name} at {(line > 0 ? $"{where}:line {line}" : where)}: {message} Answered its fallback ({binding.Settings.Fallback}).";
            var kind = exception is BudgetExceededException stop
                ? stop.Kind switch { BudgetKind.Time => PolicyFailureKind.Time, BudgetKind.Stack => PolicyFailureKind.Stack, BudgetKind.Memory => PolicyFailureKind.Memory, _ => PolicyFailureKind.Exception }
                : nullAnswer ? PolicyFailureKind.NullAnswer : PolicyFailureKind.Exception;
            query.PolicyFailure = new PolicyFailure(kind, exception.GetType().Name, where, line, message);
        }

        if (binding.Stats.ShouldLog(Stopwatch.GetTimestamp(), BurstTicks, out var suppressed) && _logger.IsEnabled(LogLevel.Warning))
        {
            // Only the text is kept: an exception object of a script type would keep its version loaded. The
            // text is read under a budget of its own (PolicyText): its Message may be the policy's code.
            var (file, line) = PolicyVersion.FindUserFrame(exception, version.File);
            LogPolicyFailed(binding.Owner.ToString(), version.Revision, line > 0 ? $"{file}:line {line}" : file,
                PolicyText.Describe(exception), binding.Settings.Fallback, suppressed);
        }

        return Fallback(binding.Settings.Fallback);
    }

    [LoggerMessage(EventId = EventIds.PolicyFailed, EventName = nameof(EventIds.PolicyFailed), Level = LogLevel.Warning,
        Message = "Policy '{Name}' revision {Revision} failed at {Where}: {Error} It answered its fallback ({Fallback}); {Suppressed} more failures since the last report.")]
    private partial void LogPolicyFailed(string name, int revision, string where, string error, PolicyFallback fallback, long suppressed);

    [LoggerMessage(EventId = EventIds.PolicyBenched, EventName = nameof(EventIds.PolicyBenched), Level = LogLevel.Warning,
        Message = "Policy '{Name}' revision {Revision} is benched for {Seconds:0.#} s {Why}: its names answer their fallback ({Fallback}) without running it meanwhile (bench {Count} of this revision; longer while it keeps failing).")]
    private partial void LogPolicyBenched(string name, int revision, double seconds, string why, PolicyFallback fallback, int count);
}
