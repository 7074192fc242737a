using System.Diagnostics;
using System.Globalization;
using Scriptable.Engine.Files;
using Scriptable.Engine.Fixtures;
using Scriptable.Engine.Local;
using Scriptable.Engine.Policies;

namespace Scriptable.Engine.Trial;

/// <summary>What one policy version's trial found.</summary>
/// <param name="File">The policy file.</param>
/// <param name="Diagnostics">Errors (the version must not serve) and warnings, located in the user's files.</param>
/// <param name="Questions">Synthetic questions asked.</param>
/// <param name="Cases">Fixture cases run.</param>
/// <param name="Exceptions">Questions the policy answered by throwing (its fallback answered).</param>
/// <param name="Slowest">The slowest question, as the trial process saw it.</param>
public sealed record PolicyTrialReport(string File, IReadOnlyList<PolicyDiagnostic> Diagnostics, int Questions, int Cases, int Exceptions, TimeSpan Slowest, int Unasked = 0)
{
    /// <summary>True when nothing in the trial stops the version from serving.</summary>
    public bool Passed => !Diagnostics.Any(d => d.IsError);

    /// <summary>A line for logs and <c>scriptable check</c>: <c>312 questions, 4 cases, 0 exceptions, slowest 0.4 ms</c>.</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"{Questions} questions{(Unasked > 0 ? $" ({Unasked} more not asked: the trial's time for questions ran out)" : "")}, {Cases} cases, {Exceptions} exceptions, slowest {Slowest.TotalMilliseconds:0.0} ms");
}

/// <summary>
/// The trial of one policy version, in the process that runs it (a disposable trial process, or the child of
/// <c>scriptable check</c>): its fixture cases, then synthetic questions (<see cref="TrialQuestions"/>), each
/// through the server's own pipeline under the policy's budget. A budget stop is an error (the version would
/// be stopped, and benched, on real traffic); an exception is a warning (its fallback answers, as the author
/// may intend); a failing case is an error when <see cref="TrialSettings.FixturesMustPass"/>. What a budget
/// cannot stop (a crash, a hang inside framework code) is caught by the process watching this one, which
/// learns from <see cref="TrialProgress"/> which question was running.
/// </summary>
public static class PolicyTrial
{
    /// <summary>Tries the version of <paramref name="file"/> that <paramref name="server"/> has loaded.</summary>
    public static PolicyTrialReport Run(LocalServer server, string file, TrialSettings settings, DateTimeOffset now, FolderBoundary? boundary = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(settings);
        var diagnostics = new List<PolicyDiagnostic>();
        var owners = new List<PolicyBinding>();
        foreach (var binding in server.Loaded.Policies.Policies.Bindings)
        {
            if (string.Equals(binding.File, file, StringComparison.Ordinal) && binding.Version is not null)
            {
                owners.Add(binding);
            }
        }

        if (owners.Count == 0)
        {
            return new PolicyTrialReport(file, diagnostics, 0, 0, 0, TimeSpan.Zero);
        }

        var deadline = TrialSettings.QuestionDeadline(owners[0].Settings.TimeBudget);
        var slowest = TimeSpan.Zero;
        var cases = RunFixtures(server, file, settings, deadline, diagnostics, boundary, ref slowest);
        var checks = new List<string>();
        checks.AddRange(server.Loaded.Health.Checks.Select(c => c.Name));
        checks.AddRange(server.Loaded.Health.Groups.Select(g => g.Name));
        var exceptions = 0;
        var questions = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var perOwner = Math.Max(1, settings.Questions / owners.Count);
        var unasked = 0;

        // A slow but correct policy (a long time budget) is asked what fits in the trial's CPU time for questions:
        // a save applies within seconds, and a crash or hang on a later question is still contained in serving.
        // CPU time, and wall time as a backstop for policies that mostly wait (a budget's deadline, a bounded read).
        var questionsEnd = Environment.CpuUsage.TotalTime + settings.QuestionTime;
        var questionsStarted = Stopwatch.GetTimestamp();
        foreach (var binding in owners)
        {
            foreach (var trial in TrialQuestions.For(file, binding.Owner, checks, perOwner, now))
            {
                if (Environment.CpuUsage.TotalTime > questionsEnd || Stopwatch.GetElapsedTime(questionsStarted) > settings.QuestionTime * 3)
                {
                    unasked++;
                    continue;
                }

                LocalAnswer answer;
                var started = Stopwatch.GetTimestamp();
                using (TrialProgress.Step(file, "answering " + trial.Text, deadline))
                {
                    try
                    {
                        answer = server.Ask(trial.Question);
                    }
                    catch (ArgumentException)
                    {
                        // A question this folder cannot ask (a type or address form it refuses): not the policy's doing.
                        continue;
                    }
                }

                questions++;
                var elapsed = Stopwatch.GetElapsedTime(started);
                slowest = elapsed > slowest ? elapsed : slowest;
                if (answer.Why.Failure is not { } failure || !string.Equals(answer.Why.PolicyFile is null ? null : Path.GetFullPath(answer.Why.PolicyFile), Path.GetFullPath(file), StringComparison.Ordinal))
                {
                    continue;
                }

                if (failure.IsBudgetStop)
                {
                    // One stop rejects the version: asking on would only spend another budget per question.
                    diagnostics.Add(At(failure, file, true, "SCR0302",
                        $"the trial stopped the policy for its {failure.Kind.ToString().ToLowerInvariant()} budget answering {trial.Text}: {failure.Message} It does not serve until this is fixed."));
                    return new PolicyTrialReport(file, diagnostics, questions, cases, exceptions, slowest, unasked);
                }
                else if (failure.Kind is PolicyFailureKind.Exception or PolicyFailureKind.NullAnswer)
                {
                    exceptions++;
                    if (seen.Add($"{failure.TypeName}|{failure.File}|{failure.Line}"))
                    {
                        diagnostics.Add(At(failure, file, false, "SCR0307",
                            $"the policy threw {failure.TypeName} answering {trial.Text}: {failure.Message} Its fallback answers such questions."));
                    }
                }
            }
        }

        return new PolicyTrialReport(file, diagnostics, questions, cases, exceptions, slowest, unasked);
    }

    /// <summary>
    /// The fixture cases of the policy's zone folder: failures count against the version when the case is in
    /// its own fixture file or its answer came from it.
    /// </summary>
    private static int RunFixtures(LocalServer server, string file, TrialSettings settings, TimeSpan deadline, List<PolicyDiagnostic> diagnostics, FolderBoundary? boundary, ref TimeSpan slowest)
    {
        var folder = Path.GetDirectoryName(file);
        if (folder is null || !Directory.Exists(folder))
        {
            return 0;
        }

        var own = file[..^".csx".Length] + FixtureFile.Suffix;
        var policy = Path.GetFullPath(file);
        var count = 0;
        foreach (var path in Directory.EnumerateFiles(folder, "*" + FixtureFile.Suffix).Order(StringComparer.Ordinal))
        {
            var isOwn = string.Equals(Path.GetFullPath(path), Path.GetFullPath(own), StringComparison.Ordinal);
            FixtureFile fixtures;
            try
            {
                fixtures = FixtureParser.ParseFile(path, path, FixtureSuite.DefaultName(server, path), boundary);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (isOwn)
            {
                foreach (var problem in fixtures.Diagnostics.Where(d => d.IsError))
                {
                    diagnostics.Add(new PolicyDiagnostic(problem.File, problem.Line, problem.Column, settings.FixturesMustPass, problem.Id, problem.Message));
                }
            }

            foreach (var fixture in fixtures.Cases)
            {
                FixtureOutcome outcome;
                var started = Stopwatch.GetTimestamp();
                using (TrialProgress.Step(file, $"running the case '{fixture.Name}' ({fixture.Location})", deadline * 4))
                {
                    outcome = FixtureRunner.Run(server, fixture);
                }

                var elapsed = Stopwatch.GetElapsedTime(started);
                slowest = elapsed > slowest ? elapsed : slowest;
                count++;
                var answeredByIt = outcome.Answer?.Why.PolicyFile is { } answeredBy && string.Equals(Path.GetFullPath(answeredBy), policy, StringComparison.Ordinal);
                if (outcome.Status == FixtureStatus.Failed && (isOwn || answeredByIt))
                {
                    var diff = string.Join("; ", outcome.Diff.Select(l => l.Trim()).Where(l => l.Length > 0).Take(4));
                    diagnostics.Add(new PolicyDiagnostic(fixture.File, fixture.Line, 1, settings.FixturesMustPass, "SCR0306",
                        $"the case '{fixture.Name}' fails with this version: {diff}"));
                }
            }
        }

        return count;
    }

    private static PolicyDiagnostic At(PolicyFailure failure, string file, bool error, string id, string message) =>
        failure.Line > 0
            ? new PolicyDiagnostic(failure.File, failure.Line, 1, error, id, message)
            : new PolicyDiagnostic(file, 1, 1, error, id, message);
}
