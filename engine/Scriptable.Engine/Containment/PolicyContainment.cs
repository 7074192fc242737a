using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Policies.Compilation;

namespace Scriptable.Engine.Containment;

/// <summary>
/// Containment across processes, for one server: the state directory with the in-flight journal, the quarantine
/// and the last-good store. At start it reads what the previous process left in the journal: the versions running
/// when it died (or stuck, or loading) are quarantined with their question(s), and the catalog then loads each
/// such file's previous good version from the store instead (<see cref="IPolicyContainment"/>), so a restart by
/// the service manager does not die the same way again. Without a usable state directory it keeps a journal in
/// memory (the watchdog still works) and says so.
/// </summary>
internal sealed partial class PolicyContainment : IPolicyContainment, IDisposable
{
    /// <summary>The lock file that keeps two servers from sharing one state directory.</summary>
    public const string LockFileName = "lock";

    private readonly ILogger _logger;
    private readonly string _root;
    private readonly FileStream? _lock;
    private readonly List<QuarantineEntry> _foundAtStart = [];
    private readonly bool _tried;

    private PolicyContainment(string? directory, FileStream? lockFile, PolicyJournal journal, QuarantineStore quarantine, LastGoodStore? store, string policiesRoot, bool tried, ILogger logger)
    {
        _tried = tried;
        StateDirectory = directory;
        _lock = lockFile;
        Journal = journal;
        Quarantine = quarantine;
        Store = store;
        _root = policiesRoot;
        _logger = logger;
    }

    /// <summary>The state directory in use, or null (containment in memory only).</summary>
    public string? StateDirectory { get; }

    /// <summary>The in-flight journal.</summary>
    public PolicyJournal Journal { get; }

    /// <summary>The quarantine.</summary>
    public QuarantineStore Quarantine { get; }

    /// <summary>The last-good store, or null without a state directory.</summary>
    public LastGoodStore? Store { get; }

    /// <summary>Versions this start quarantined (from the previous process's journal).</summary>
    public IReadOnlyList<QuarantineEntry> FoundAtStart => _foundAtStart;

    /// <summary>
    /// Opens the state directory <paramref name="directory"/> (null: none) for the policies folder
    /// <paramref name="policiesRoot"/>: reads and quarantines what the previous process left, then starts a new
    /// journal of <paramref name="slots"/> slots. <paramref name="tried"/>: every new version passes a trial before it
    /// loads (Trial/README.md), so the server compiles nothing: a stored version is used only from its own compiled
    /// bytes, and one stored without a trial does not skip it.
    /// </summary>
    public static PolicyContainment Open(string? directory, string policiesRoot, int slots, ILogger logger, bool tried = false)
    {
        var problem = directory is null ? "is not set" : Containment.StateDirectory.Prepare(directory);
        FileStream? lockFile = null;
        if (problem is null)
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                // FileShare.None takes an exclusive advisory lock (flock) for the life of the process.
                lockFile = new FileStream(Path.Combine(directory!, LockFileName), options);
            }
            catch (IOException ex)
            {
                problem = $"'{directory}' is in use by another scriptable server ({ex.Message}); give each server its own StateDirectory";
            }
        }

        if (problem is not null)
        {
            LogStateDirectoryUnusable(logger, problem);
            return new PolicyContainment(null, null, PolicyJournal.Create(null, slots), QuarantineStore.Load(null, out _), null, policiesRoot, tried, logger);
        }

        var quarantine = QuarantineStore.Load(Path.Combine(directory!, QuarantineStore.FileName), out var quarantineError);
        if (quarantineError is not null)
        {
            LogStateFileUnreadable(logger, quarantineError);
        }

        var journalPath = Path.Combine(directory!, PolicyJournal.FileName);
        var previous = PolicyJournal.Read(journalPath, out var journalError);
        if (journalError is not null)
        {
            LogStateFileUnreadable(logger, $"'{journalPath}' cannot be read ({journalError}); the previous run's in-flight policies are unknown");
        }

        var containment = new PolicyContainment(directory, lockFile, PolicyJournal.Create(journalPath, slots), quarantine,
            new LastGoodStore(Path.Combine(directory!, LastGoodStore.FolderName)), policiesRoot, tried, logger);
        if (previous is not null)
        {
            containment.QuarantineLeftovers(previous);
        }

        LogReady(logger, directory!, slots, quarantine.Entries.Count);
        return containment;
    }

    /// <inheritdoc />
    public bool IsQuarantined(string file, string hash) => Quarantine.IsQuarantined(Relative(file), hash);

    /// <inheritdoc />
    public KnownContent? Recognise(string file, Func<IReadOnlyList<string>, string> hashWith)
    {
        var relative = Relative(file);
        var stored = Store?.Versions(relative) ?? [];

        // Quarantined: the hash of a quarantined version covers its helpers, known from its stored copy (a version
        // that died while loading was never stored: without helpers it is recognised here, with some only after
        // compiling, by Substitute).
        foreach (var entry in Quarantine.Entries)
        {
            if (entry.File != relative && !entry.Truncated)
            {
                continue;
            }

            var helpers = HelperPaths(stored.FirstOrDefault(v => string.Equals(v.Hash, entry.Hash, StringComparison.OrdinalIgnoreCase)));
            var hash = hashWith(helpers);
            if (entry.Matches(relative, hash) && Substitute(file, hash) is { } substitute)
            {
                return new KnownContent(hash, helpers, substitute);
            }
        }

        // Stored: it went live before, after its trial; it loads from its own bytes, without another.
        foreach (var version in stored)
        {
            if ((_tried && !version.Tried) || Quarantine.IsQuarantined(relative, version.Hash))
            {
                continue;
            }

            var helpers = HelperPaths(version);
            var hash = hashWith(helpers);
            if (string.Equals(hash, version.Hash, StringComparison.OrdinalIgnoreCase) && Load(file, version, mayCompile: false) is { } loaded)
            {
                LogStoredLoaded(_logger, file, hash[..12], version.WentLive.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
                return new KnownContent(hash, helpers, new PolicySubstitute(loaded.Compiled, loaded.Text, version.Hash, null));
            }
        }

        return null;
    }

    /// <inheritdoc />
    public PolicySubstitute? Substitute(string file, string hash)
    {
        var relative = Relative(file);
        if (Quarantine.Find(relative, hash) is not { } entry)
        {
            return null;
        }

        var release = $"Release it by saving a changed file, or with DELETE /quarantine/{hash[..12]} on the admin endpoint.";
        var why = $"this version (content {hash[..12]}) is quarantined: {entry.Reason}{(entry.Questions.Count > 0 ? $" (question: {entry.Questions[0].Question} from {entry.Questions[0].Client} over {entry.Questions[0].Transport}, at {entry.Questions[0].At:u})" : "")}.";
        return StoredInstead(file, hash, stored => PolicyDiagnostic.Error(file, 0, 0, "SCR0400", $"{why} Its previous good version (content {stored.Hash[..12]}, live since {stored.WentLive:u}) serves instead. {release}"))
            ?? new PolicySubstitute(null, null, null,
                PolicyDiagnostic.Error(file, 0, 0, "SCR0400", $"{why} No earlier good version of it is stored: its names answer their fallback. {release}"));
    }

    /// <inheritdoc />
    public PolicySubstitute? Previous(string file, string failedHash) =>
        StoredInstead(file, failedHash, stored => new PolicyDiagnostic(file, 0, 0, false, "SCR0401",
            $"this content does not serve (above); its last good version (content {stored.Hash[..12]}, live since {stored.WentLive:u}) serves instead, from the state directory, until a version that passes serves."));

    /// <summary>The newest stored version of <paramref name="file"/> other than <paramref name="hash"/> and not quarantined that loads.</summary>
    private PolicySubstitute? StoredInstead(string file, string hash, Func<StoredVersion, PolicyDiagnostic> reason)
    {
        var relative = Relative(file);
        foreach (var stored in Store?.Versions(relative) ?? [])
        {
            if (string.Equals(stored.Hash, hash, StringComparison.OrdinalIgnoreCase) || Quarantine.IsQuarantined(relative, stored.Hash))
            {
                continue;
            }

            if (Load(file, stored, mayCompile: !_tried) is { } loaded)
            {
                return new PolicySubstitute(loaded.Compiled, loaded.Text, stored.Hash, reason(stored));
            }
        }

        return null;
    }

    /// <inheritdoc />
    public int BeginLoad(string file, string hash, int revision)
    {
        if (Journal.Register(file, Relative(file), hash, revision) is not { } tracked)
        {
            LogJournalFull(_logger, file);
            return 0;
        }

        Journal.Loader.EnterLoad(tracked.Id, System.Diagnostics.Stopwatch.GetTimestamp());
        return tracked.Id;
    }

    /// <inheritdoc />
    public void EndLoad(int journalId, PolicyVersion? version, PolicyStats stats, string? text, string? fixtures)
    {
        Journal.Loader.Exit();
        var tracked = Journal.Version(journalId);
        if (version is null)
        {
            if (tracked is not null)
            {
                tracked.Retired = true;
            }

            return;
        }

        if (tracked is not null)
        {
            tracked.Bench = version.Bench;
            tracked.Stats = stats;
            tracked.BudgetTicks = (long)(version.Settings.TimeBudget.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
            tracked.CpuShare = version.Settings.MaxCpuPercent / 100;
            version.JournalId = journalId;
        }

        if (Store is null || text is null)
        {
            return;
        }

        try
        {
            Store.Keep(Relative(version.File), version.ContentHash, text, fixtures ?? "", version.Compiled, _tried);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogStoreFailed(_logger, version.File, ex.Message);
        }
    }

    /// <summary>A version was replaced or removed (after publishing): its journal entry may be reused once nothing runs it.</summary>
    public void Retire(PolicyVersion version) => Journal.Retire(version.JournalId);

    /// <summary>Releases the quarantined versions whose content hash starts with <paramref name="hashPrefix"/>; the caller reloads.</summary>
    public IReadOnlyList<QuarantineEntry> Release(string hashPrefix)
    {
        var released = Quarantine.Release(hashPrefix);
        foreach (var entry in released)
        {
            LogReleased(_logger, entry.File, entry.Hash[..12]);
        }

        return released;
    }

    /// <summary>A clean stop: empties the journal (keeping runs still stuck, which the next start quarantines).</summary>
    public void CloseClean() => Journal.CloseClean();

    /// <inheritdoc />
    public void Dispose() => _lock?.Dispose();

    /// <summary>
    /// Quarantines what a previous process left: runs the watchdog named stuck and loads in progress are the
    /// culprits when there are any; otherwise every run in flight at the moment of death is a suspect (with several,
    /// some are innocent: all are quarantined all the same, a cheaper mistake than a restart loop).
    /// </summary>
    private void QuarantineLeftovers(JournalReading previous)
    {
        if (previous.Runs.Count == 0)
        {
            if (!previous.Clean)
            {
                LogUncleanStop(_logger, previous.Pid);
            }

            return;
        }

        var certain = previous.Runs.Where(r => r.Stuck || r.Loading).ToList();
        var culprits = certain.Count > 0 ? certain : [.. previous.Runs];
        var groups = culprits.GroupBy(r => (r.Version.File, r.Version.Hash)).ToList();
        foreach (var group in groups)
        {
            var runs = group.ToList();
            var first = runs[0];
            var reason = first switch
            {
                { Loading: true } => "the server died while initialising its static fields",
                { Stuck: true } when previous.Clean => "a query was still stuck in it, past many times its time budget, when the server stopped",
                { Stuck: true } => "a query was stuck in it, past many times its time budget, when the server died",
                _ when groups.Count > 1 => $"the server died while it was answering a query, with {groups.Count - 1} other policy versions running at that moment (all are quarantined)",
                _ => "the server died while it was answering a query",
            };
            var entry = new QuarantineEntry(first.Version.File, first.Version.Hash, first.Version.Revision, TimeProvider.System.GetUtcNow(), reason,
                [.. runs.Select(r => new QuarantineQuestion(r.Loading ? "(loading)" : r.QuestionName(), r.Client?.ToString(), r.Port, r.Transport, r.StartedAt, r.QueryHex))],
                groups.Count, first.Version.Truncated);
            int strikes;
            try
            {
                strikes = Quarantine.Add(entry);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogStateFileUnreadable(_logger, $"'{Quarantine.Path}' cannot be written ({ex.Message}); the quarantine holds for this run only");
                strikes = Quarantine.Strikes(entry.File);
            }

            _foundAtStart.Add(entry);
            LogQuarantined(_logger, Path.Combine(_root, entry.File), entry.Hash[..12], entry.Revision, previous.Pid, reason, first.Question, first.When, strikes);
        }
    }

    /// <summary>
    /// A stored version, from its compiled bytes or else (<paramref name="mayCompile"/>) compiled again from its stored
    /// source; null (logged) if neither works.
    /// </summary>
    private (CompiledPolicy Compiled, string Text)? Load(string file, StoredVersion stored, bool mayCompile)
    {
        if (LastGoodStore.Source(stored) is not { } source)
        {
            LogStoredUnusable(_logger, file, stored.Hash[..12], "its stored source cannot be read");
            return null;
        }

        if (PolicyCatalog.ContentHash(source.Text, source.Fixtures, stored.Helpers.Select(h => (h.Path, source.Helpers.GetValueOrDefault(h.Path) ?? ""))) != stored.Hash)
        {
            LogStoredUnusable(_logger, file, stored.Hash[..12], "its stored source does not match its content hash");
            return null;
        }

        if (LastGoodStore.Compiled(stored, out var problem) is { } compiled)
        {
            return (compiled, source.Text);
        }

        if (!mayCompile)
        {
            // Every version this server runs passed a trial, compiled in the trial's process: none compiles here.
            LogStoredUnusable(_logger, file, stored.Hash[..12], $"{problem}, and this server compiles nothing (new versions are compiled in their trial)");
            return null;
        }

        var recompiled = PolicyCompiler.Compile(file, source.Text, _root, path => source.Helpers.GetValueOrDefault(path));
        if (recompiled.Succeeded)
        {
            LogStoredRecompiled(_logger, file, stored.Hash[..12], problem ?? "");
            return (recompiled, source.Text);
        }

        LogStoredUnusable(_logger, file, stored.Hash[..12], $"{problem}, and its stored source no longer compiles: {(recompiled.Diagnostics.Count > 0 ? recompiled.Diagnostics[0] : "")}");
        return null;
    }

    private static IReadOnlyList<string> HelperPaths(StoredVersion? version) => version is null ? [] : [.. version.Helpers.Select(h => h.Path)];

    /// <summary>A policy file as the state directory records it: relative to the policies folder, '/' separated.</summary>
    private string Relative(string file) => Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');

    [LoggerMessage(EventId = EventIds.PolicyQuarantined, EventName = nameof(EventIds.PolicyQuarantined), Level = LogLevel.Error,
        Message = "Policy '{File}' (content {Hash}, revision {Revision} of process {Pid}) is quarantined: {Reason}; it was {Question} at {When}. It is not loaded: its previous good version serves, or its fallback when none is stored. Release it by saving a changed file, or with DELETE /quarantine/{Hash} on the admin endpoint. Versions of this file quarantined so far: {Strikes}.")]
    private static partial void LogQuarantined(ILogger logger, string file, string hash, int revision, int pid, string reason, string question, string when, int strikes);

    [LoggerMessage(EventId = EventIds.UncleanStop, EventName = nameof(EventIds.UncleanStop), Level = LogLevel.Warning,
        Message = "The previous run (process {Pid}) did not stop cleanly, but no policy was running when it ended: nothing is quarantined.")]
    private static partial void LogUncleanStop(ILogger logger, int pid);

    [LoggerMessage(EventId = EventIds.StateDirectoryUnusable, EventName = nameof(EventIds.StateDirectoryUnusable), Level = LogLevel.Error,
        Message = "The state directory {Problem}: policies are contained in memory only (benches and the watchdog work; there is no crash journal, quarantine or last-good store, so a policy that kills the process will kill the next one too). Set StateDirectory.")]
    private static partial void LogStateDirectoryUnusable(ILogger logger, string problem);

    [LoggerMessage(EventId = EventIds.StateFileUnreadable, EventName = nameof(EventIds.StateFileUnreadable), Level = LogLevel.Warning, Message = "{Problem}.")]
    private static partial void LogStateFileUnreadable(ILogger logger, string problem);

    [LoggerMessage(EventId = EventIds.ContainmentReady, EventName = nameof(EventIds.ContainmentReady), Level = LogLevel.Information,
        Message = "State directory '{Directory}': in-flight journal of {Slots} slots; {Quarantined} policy versions in quarantine.")]
    private static partial void LogReady(ILogger logger, string directory, int slots, int quarantined);

    [LoggerMessage(EventId = EventIds.LastGoodStoreFailed, EventName = nameof(EventIds.LastGoodStoreFailed), Level = LogLevel.Warning,
        Message = "Policy '{File}' could not be kept in the last-good store: {Reason}.")]
    private static partial void LogStoreFailed(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = EventIds.StoredVersionUnusable, EventName = nameof(EventIds.StoredVersionUnusable), Level = LogLevel.Warning,
        Message = "The stored version {Hash} of '{File}' cannot serve: {Problem}.")]
    private static partial void LogStoredUnusable(ILogger logger, string file, string hash, string problem);

    [LoggerMessage(EventId = EventIds.StoredVersionRecompiled, EventName = nameof(EventIds.StoredVersionRecompiled), Level = LogLevel.Information,
        Message = "The stored version {Hash} of '{File}' was compiled again from its stored source: {Problem}.")]
    private static partial void LogStoredRecompiled(ILogger logger, string file, string hash, string problem);

    [LoggerMessage(EventId = EventIds.StoredVersionLoaded, EventName = nameof(EventIds.StoredVersionLoaded), Level = LogLevel.Information,
        Message = "Policy '{File}' (content {Hash}) loads from the last-good store: it passed its trial when it first went live, at {WentLive}.")]
    private static partial void LogStoredLoaded(ILogger logger, string file, string hash, string wentLive);

    [LoggerMessage(EventId = EventIds.QuarantineReleased, EventName = nameof(EventIds.QuarantineReleased), Level = LogLevel.Information,
        Message = "Policy '{File}' content {Hash} released from quarantine; it loads at the next reload.")]
    private static partial void LogReleased(ILogger logger, string file, string hash);

    [LoggerMessage(EventId = EventIds.JournalFull, EventName = nameof(EventIds.JournalFull), Level = LogLevel.Warning,
        Message = "The in-flight journal's version table is full: policy '{File}' runs unjournaled (a crash in it would not be traced to it).")]
    private static partial void LogJournalFull(ILogger logger, string file);
}
