using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Model;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Policies.Compilation;

namespace Scriptable.Engine.Trial;

/// <summary>
/// Compiles and tries new policy versions in a disposable child process (<c>scriptable __trial</c>), so that
/// nothing a new version does while compiling, initialising or answering its trial questions can touch the
/// server: a crash or a hang there rejects the version, named at its file, and the previous version keeps
/// serving. One process per trial, started ahead and warmed up (the compiler loaded) while the server waits
/// for the next change; it runs at a lower CPU priority and with a capped heap. The server itself never
/// compiles: it loads the assemblies the trial sends back.
/// </summary>
internal sealed partial class ProcessTrial : IPolicyTrial, IDisposable
{
    private readonly WorkerCommand _command;
    private readonly IReadOnlyList<string> _geo;
    private readonly TrialSettings _settings;
    private readonly ILogger _logger;
    private readonly bool _keepSpare;
    private readonly Lock _gate = new();
    private WatchedProcess? _spare;
    private volatile bool _serving;
    private readonly FolderOptions _folder;
    private bool _disposed;

    /// <summary>
    /// Creates the trial; <paramref name="command"/> starts the program with <see cref="TrialWorker.Verb"/>.
    /// With <paramref name="keepSpare"/>, the next trial process is started (and warms up) as soon as one is used.
    /// </summary>
    public ProcessTrial(WorkerCommand command, IReadOnlyList<string> geo, TrialSettings settings, ILogger logger, bool keepSpare = true, FolderOptions? folder = null)
    {
        _folder = folder ?? new FolderOptions();
        _command = command;
        _geo = geo;
        _settings = settings;
        _logger = logger;
        _keepSpare = keepSpare;
    }

    /// <summary>
    /// From now on trial processes run below normal priority, so that they do not take CPU from queries. Until
    /// then (the first load, before the server answers anything) they run at normal priority: on a busy machine a
    /// demoted trial would hold the start for minutes while nothing is served anyway.
    /// </summary>
    public void Serving()
    {
        lock (_gate)
        {
            _serving = true;
            _spare?.Demote();
        }
    }

    /// <summary>Starts the first trial process, so that it is warm when the first reload comes.</summary>
    public void Prepare()
    {
        if (_keepSpare)
        {
            lock (_gate)
            {
                _spare ??= TryStart();
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<CompiledPolicy> Try(TrialBatch batch)
    {
        var results = new CompiledPolicy?[batch.Work.Count];
        var pending = new List<int>();
        for (var i = 0; i < batch.Work.Count; i++)
        {
            var source = batch.Work[i];
            if ((source.Text?.Length ?? 0) > _settings.MaxSourceKilobytes * 1024)
            {
                // Refused before a process is asked to read it.
                results[i] = PolicyCompiler.Compile(source.File, source.Text!, batch.Folder, _ => null, _settings.MaxSourceKilobytes * 1024);
            }
            else
            {
                pending.Add(i);
            }
        }

        var started = Stopwatch.GetTimestamp();
        var oneByOne = false;
        for (var attempt = 0; pending.Count > 0 && attempt <= 2 * batch.Work.Count; attempt++)
        {
            // After a death that more than one file could have caused (compiles run in parallel), each file is
            // tried alone, so that only the file that kills a trial process is rejected for it.
            List<int> now = oneByOne ? [pending[0]] : [.. pending];
            var outcome = RunOnce(batch, now, out var response, out var startFailed);
            if (response is not null)
            {
                Fill(batch, now, response, results, started);
                pending.RemoveAll(now.Contains);
                continue;
            }

            if (startFailed)
            {
                foreach (var i in pending)
                {
                    results[i] = Rejected(batch.Work[i].File, "SCR0305", "the trial process cannot start: " + outcome.ErrorTail + ". The previous version, if any, keeps serving.");
                }

                break;
            }

            var culprits = Culprits(batch, now, outcome);
            if (culprits.Count == 0 && !oneByOne && now.Count > 1)
            {
                oneByOne = true;
                continue;
            }

            if (culprits.Count == 0)
            {
                // Died outside any step of its own (a failure of the trial process itself): nothing to blame.
                var why = outcome.End == WatchEnd.Exited && outcome.ErrorTail.Length == 0 ? "the trial process gave no answer" : "the trial process failed: " + outcome.Reason;
                LogTrialFailed(why, Truncate(outcome.ErrorTail));
                foreach (var i in now)
                {
                    results[i] = Rejected(batch.Work[i].File, "SCR0305", why + ". The previous version, if any, keeps serving; save the file again to retry.");
                }

                pending.RemoveAll(now.Contains);
                continue;
            }

            foreach (var (i, step) in culprits)
            {
                results[i] = Rejected(batch.Work[i].File, outcome.IsCrash ? "SCR0303" : "SCR0304",
                    $"the trial of this version was stopped while {step.What}: {outcome.Reason}. It does not serve; the previous version, if any, keeps serving.");
            }

            pending.RemoveAll(culprits.ContainsKey);
        }

        for (var i = 0; i < results.Length; i++)
        {
            results[i] ??= Rejected(batch.Work[i].File, "SCR0305", "the trial did not finish. The previous version, if any, keeps serving; save the file again to retry.");
        }

        StartSpareLater();
        return results!;
    }

    /// <summary>
    /// The files to blame for a trial process that died or was stopped: the one whose step ran past its
    /// deadline; else, for a death, the one file that was in a step (or the only file tried); else none (several
    /// were in steps, or none was).
    /// </summary>
    private static Dictionary<int, ProgressStep> Culprits(TrialBatch batch, List<int> tried, WatchOutcome outcome)
    {
        var culprits = new Dictionary<int, ProgressStep>();
        var steps = outcome.End == WatchEnd.Overdue && !outcome.IsStackOverflow ? outcome.Steps.Take(1) : outcome.Steps;
        foreach (var step in steps)
        {
            var index = tried.FindIndex(i => string.Equals(batch.Work[i].File, step.File, StringComparison.Ordinal));
            if (index >= 0)
            {
                culprits.TryAdd(tried[index], step);
            }
        }

        if (culprits.Count == 0 && tried.Count == 1 && outcome.Steps.Count > 0)
        {
            // Its only step named no file of its own (loading a serving version, the warm-up): still, only it was tried.
            culprits[tried[0]] = outcome.Steps[0];
        }

        return culprits.Count > 1 ? [] : culprits;
    }

    /// <summary>Sends the pending files to one trial process and waits for its answer (null when it gave none).</summary>
    private WatchOutcome RunOnce(TrialBatch batch, List<int> pending, out TrialResponse? response, out bool startFailed)
    {
        response = null;
        startFailed = false;
        var request = Request(batch, pending);
        WatchedProcess? process;
        lock (_gate)
        {
            process = _spare is { HasExited: false } spare ? spare : null;
            _spare = null;
        }

        process ??= TryStart();
        if (process is null)
        {
            startFailed = true;
            return new WatchOutcome(WatchEnd.Crashed, -1, [], "", _command.FileName + " " + string.Join(' ', _command.Arguments));
        }

        using (process)
        {
            try
            {
                JsonSerializer.Serialize(process.Input.BaseStream, request, TrialJson.Default.TrialRequest);
                process.Input.Close();
            }
            catch (IOException)
            {
                // It died before reading: the outcome below says how.
            }

            var overall = TimeSpan.FromSeconds(60) + (pending.Count * (_settings.CompileTimeout + TrialSettings.LoadDeadline(batch.Options.Defaults.LoadTimeBudget) + TimeSpan.FromSeconds(30)));
            var outcome = process.Wait(overall);
            if (outcome.End == WatchEnd.Exited && outcome.Output.Length > 0)
            {
                try
                {
                    response = JsonSerializer.Deserialize(outcome.Output, TrialJson.Default.TrialResponse);
                }
                catch (JsonException)
                {
                    response = null;
                }

                if (response is { Error: { } error })
                {
                    foreach (var i in pending)
                    {
                        LogTrialFailed(error, "");
                    }

                    response = new TrialResponse
                    {
                        Build = response.Build,
                        Results = [.. pending.Select(i => new TrialResultMessage { File = batch.Work[i].File, Diagnostics = [TrialDiagnosticMessage.From(Rejected(batch.Work[i].File, "SCR0305", error).Diagnostics[0])] })],
                    };
                }
                else if (response is not null && response.Results.Count != pending.Count)
                {
                    response = null;
                }
            }

            return outcome;
        }
    }

    private TrialRequest Request(TrialBatch batch, List<int> pending) => new()
    {
        Build = TrialWorker.Build,
        Folder = batch.Folder,
        Include = [.. batch.Options.Include],
        Exclude = [.. batch.Options.Exclude],
        Defaults = TrialPolicySettings.From(batch.Options.Defaults),
        Questions = _settings.Questions,
        QuestionTimeMilliseconds = (int)_settings.QuestionTime.TotalMilliseconds,
        FixturesMustPass = _settings.FixturesMustPass,
        CompileTimeoutMilliseconds = (int)_settings.CompileTimeout.TotalMilliseconds,
        MaxSourceKilobytes = _settings.MaxSourceKilobytes,
        Geo = [.. _geo],
        IncludeDirectories = [.. _folder.IncludeDirectories],
        ServerFiles = [.. _folder.ServerFiles],
        Now = DateTimeOffset.UtcNow,
        Work = [.. pending.Select(i => new TrialSourceMessage { File = batch.Work[i].File, ZoneFolder = batch.Work[i].ZoneFolder, Label = batch.Work[i].Label, Text = batch.Work[i].Text })],
        Live = [.. batch.Live.Select(s => new TrialSeedMessage
        {
            Source = new TrialSourceMessage { File = s.Source.File, ZoneFolder = s.Source.ZoneFolder, Label = s.Source.Label },
            Hash = s.Hash,
            ClassName = s.Compiled.ClassName,
            Assembly = s.Compiled.Assembly!,
            Pdb = s.Compiled.Pdb!,
            Settings = TrialPolicySettings.From(s.Settings),
            ExtraNames = [.. s.ExtraNames],
            Helpers = [.. s.Helpers],
        })],
    };

    private void Fill(TrialBatch batch, List<int> pending, TrialResponse response, CompiledPolicy?[] results, long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        for (var n = 0; n < pending.Count; n++)
        {
            var i = pending[n];
            var result = response.Results[n];
            var diagnostics = result.Diagnostics.Select(d => d.ToDiagnostic()).ToList();
            var helpers = result.Helpers.Select(h => (h.Path, h.Text)).ToList();
            results[i] = result.Assembly is { } assembly && result.Pdb is { } pdb
                ? new CompiledPolicy(assembly, pdb, result.ClassName, diagnostics, helpers, TimeSpan.FromMicroseconds(result.CompileMicroseconds))
                : new CompiledPolicy(null, null, result.ClassName, diagnostics.Count > 0 ? diagnostics : [Rejected(batch.Work[i].File, "SCR0305", "the trial gave no result for this file").Diagnostics[0]], helpers, TimeSpan.Zero);
            if (result.Summary is { } summary)
            {
                LogTried(batch.Work[i].File, result.Assembly is null ? "failed" : "passed", summary, elapsed.TotalMilliseconds);
            }
        }
    }

    private static CompiledPolicy Rejected(string file, string id, string message) =>
        new(null, null, "", [PolicyDiagnostic.Error(file, 1, 1, id, message)], [], TimeSpan.Zero);

    private WatchedProcess? TryStart()
    {
        try
        {
            return WatchedProcess.Start(_command.With(TrialWorker.Verb), _settings.MemoryMegabytes, belowNormal: _serving);
        }
        catch (Exception ex) when (ex is Win32Exception or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            LogTrialFailed($"the trial process cannot start ({_command.FileName}: {ex.Message})", "");
            return null;
        }
    }

    private void StartSpareLater()
    {
        if (!_keepSpare)
        {
            return;
        }

        _ = Task.Run(() =>
        {
            var spare = TryStart();
            lock (_gate)
            {
                if (_disposed || _spare is not null)
                {
                    spare?.Dispose();
                    return;
                }

                _spare = spare;
                if (_serving)
                {
                    // Started just before the server began serving.
                    spare?.Demote();
                }
            }
        });
    }

    private static string Truncate(string text) => text.Length > 2000 ? text[..2000] : text;

    /// <summary>Stops the spare trial process.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _spare?.Dispose();
            _spare = null;
        }
    }

    [LoggerMessage(EventId = EventIds.PolicyTried, EventName = nameof(EventIds.PolicyTried), Level = LogLevel.Information,
        Message = "Policy '{File}' {Verdict} its trial: {Summary} (trial {Milliseconds:F0} ms).")]
    private partial void LogTried(string file, string verdict, string summary, double milliseconds);

    [LoggerMessage(EventId = EventIds.PolicyTrialFailed, EventName = nameof(EventIds.PolicyTrialFailed), Level = LogLevel.Error,
        Message = "Policy trial: {Why} {Errors}")]
    private partial void LogTrialFailed(string why, string errors);
}
