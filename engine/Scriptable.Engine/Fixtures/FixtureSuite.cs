using System.Diagnostics;
using Scriptable.Engine.Files;
using Scriptable.Engine.Local;
using Scriptable.Engine.Model;
using Scriptable.Engine.Policies;

namespace Scriptable.Engine.Fixtures;

/// <summary>
/// The fixtures of one policies folder: the folder loaded as the server loads it, and every
/// <c>*.fixtures.yaml</c> in it read, ready to run. <c>scriptable test</c> and the xunit adapter use it.
/// </summary>
public sealed class FixtureSuite : IDisposable
{
    private FixtureSuite(string folder, LocalServer? server, IReadOnlyList<string> loadErrors, IReadOnlyList<FixtureFile> files, TimeSpan loadTime)
    {
        Folder = folder;
        Server = server;
        LoadErrors = loadErrors;
        Files = files;
        LoadTime = loadTime;
    }

    /// <summary>The policies folder.</summary>
    public string Folder { get; }

    /// <summary>The folder loaded, or null when it does not load (<see cref="LoadErrors"/>).</summary>
    public LocalServer? Server { get; }

    /// <summary>Why the folder does not load: every zone, policy, geo and health.yaml error.</summary>
    public IReadOnlyList<string> LoadErrors { get; }

    /// <summary>The fixture files, in path order.</summary>
    public IReadOnlyList<FixtureFile> Files { get; }

    /// <summary>How long loading and compiling took.</summary>
    public TimeSpan LoadTime { get; }

    /// <summary>Every case of every file.</summary>
    public IEnumerable<FixtureCase> Cases => Files.SelectMany(f => f.Cases);

    /// <summary>
    /// The policies folders at or under <paramref name="root"/>: <paramref name="root"/> itself when it holds a
    /// zone (<c>&lt;origin&gt;/&lt;origin&gt;.zone</c>), else the folders below it that do (<c>examples/</c> holds one per example).
    /// </summary>
    public static IReadOnlyList<string> FindFolders(string root)
    {
        var found = new List<string>();
        Find(root, 0, found);
        return found;
    }

    private static void Find(string folder, int depth, List<string> found)
    {
        if (IsPoliciesFolder(folder))
        {
            found.Add(folder);
            return;
        }

        if (depth >= 4)
        {
            return;
        }

        foreach (var child in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(child);
            if (!name.StartsWith('.') && !name.StartsWith('_') && name is not ("bin" or "obj" or "node_modules"))
            {
                Find(child, depth + 1, found);
            }
        }
    }

    /// <summary>True when the folder has a zone folder: <c>&lt;origin&gt;/&lt;origin&gt;.zone</c>.</summary>
    public static bool IsPoliciesFolder(string folder)
    {
        foreach (var child in Directory.EnumerateDirectories(folder))
        {
            var name = Path.GetFileName(child);
            if (!name.StartsWith('.') && !name.StartsWith('_') && File.Exists(Path.Combine(child, name + ".zone")))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Loads a folder (see <see cref="LocalServer.Load"/>) and reads its fixture files. A folder that does not
    /// load is returned with <see cref="LoadErrors"/> and no server; its fixture files are still read.
    /// </summary>
    /// <remarks><paramref name="folderOptions"/> are the operator's decisions about the folder (include folders, command checks).</remarks>
    public static FixtureSuite Load(string folder, IReadOnlyList<string>? geo = null, PolicyOptions? policyOptions = null, FolderOptions? folderOptions = null)
    {
        var clock = Stopwatch.StartNew();
        LocalServer? server = null;
        IReadOnlyList<string> errors = [];
        var boundary = (folderOptions ?? new FolderOptions()).BoundaryOf(folder);
        try
        {
            server = LocalServer.Load(folder, geo, policyOptions, folderOptions);
        }
        catch (InvalidDataException ex)
        {
            errors = ex.Message.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)[1..] is { Length: > 0 } lines ? lines : [ex.Message];
        }

        var files = new List<FixtureFile>();
        foreach (var path in FindFixtureFiles(folder, boundary))
        {
            files.Add(FixtureParser.ParseFile(path, ShownPath.Of(path), DefaultName(server, path), boundary));
        }

        return new FixtureSuite(folder, server, errors, files, clock.Elapsed);
    }

    /// <summary>
    /// The fixture files of a folder: <c>*.fixtures.yaml</c> anywhere in it but under <c>_</c> and <c>.</c> folders,
    /// found by the folder rule's walk (a link to a folder is followed only inside the folder, each folder once).
    /// </summary>
    public static IReadOnlyList<string> FindFixtureFiles(string folder, FolderBoundary? boundary = null)
    {
        boundary ??= new FolderBoundary(folder);
        var files = boundary.EnumerateFiles(folder, child => Path.GetFileName(child) is var name && !name.StartsWith('.') && !name.StartsWith('_'))
            .Where(f => Path.GetFileName(f).EndsWith(FixtureFile.Suffix, StringComparison.Ordinal))
            .ToList();
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>
    /// Runs the cases (those <paramref name="filter"/> keeps), in file order. Without a server (the folder does
    /// not load) every case fails with the load errors.
    /// </summary>
    public FixtureRun Run(Func<FixtureCase, bool>? filter = null)
    {
        var clock = Stopwatch.StartNew();
        var outcomes = new List<FixtureOutcome>();
        foreach (var fixture in Cases)
        {
            if (filter is not null && !filter(fixture))
            {
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            FixtureOutcome outcome;
            // A case runs policy code: a watcher (scriptable test runs in a watched child) names the case if it kills the process.
            var deadline = Trial.TrialSettings.QuestionDeadline(Server?.MaxTimeBudget ?? TimeSpan.Zero) + (TimeSpan.FromMilliseconds(10) * (fixture.Expect.Distribution?.Runs ?? 1));
            using (Trial.TrialProgress.Step(fixture.File, $"running the case '{fixture.Name}' ({fixture.Location})", deadline))
            {
                outcome = Server is null
                    ? new FixtureOutcome(fixture, FixtureStatus.Failed, ["the folder does not load: " + string.Join("; ", LoadErrors)], null)
                    : FixtureRunner.Run(Server, fixture);
            }

            outcomes.Add(outcome with { Elapsed = Stopwatch.GetElapsedTime(started) });
        }

        return new FixtureRun(this, outcomes, filter is null ? Uncovered(outcomes) : [], clock.Elapsed);
    }

    /// <summary>The policies no case was answered by (nor fell back from), as <c>file (names)</c>.</summary>
    private List<string> Uncovered(List<FixtureOutcome> outcomes)
    {
        if (Server is null)
        {
            return [];
        }

        var answered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var outcome in outcomes)
        {
            if (outcome.Answer?.Why.PolicyFile is { } file)
            {
                answered.Add(Path.GetFullPath(file));
            }
        }

        var uncovered = new List<string>();
        foreach (var group in Server.Loaded.Policies.Policies.Bindings.GroupBy(b => Path.GetFullPath(b.File)))
        {
            if (!answered.Contains(group.Key))
            {
                uncovered.Add($"{ShownPath.Of(group.Key)} ({string.Join(", ", group.Select(b => b.Owner.ToString()))})");
            }
        }

        uncovered.Sort(StringComparer.Ordinal);
        return uncovered;
    }

    /// <summary>
    /// The name of the policy beside a fixture file (<c>www.fixtures.yaml</c> and <c>www.csx</c>); else, when the
    /// file's folder holds exactly one policy answering one name, that name (a file of extra cases such as
    /// <c>more.fixtures.yaml</c> beside the only policy); else null.
    /// </summary>
    internal static string? DefaultName(LocalServer? server, string fixtureFile)
    {
        var policy = Path.GetFullPath(fixtureFile[..^FixtureFile.Suffix.Length] + ".csx");

        // The name the policy's place gives (policies/<zone>/<label>.csx), when the fixture file is a policy's own.
        var zone = Path.GetFileName(Path.GetDirectoryName(policy)) ?? "";
        var label = Path.GetFileNameWithoutExtension(policy);
        var byPlace = File.Exists(policy) && zone.Length > 0 ? (label == "@" ? zone : $"{label}.{zone}") + "." : null;
        if (server is null)
        {
            // The folder does not load: so that the cases still read and fail for the right reason.
            return byPlace;
        }

        var folder = Path.GetDirectoryName(policy);
        string? only = null;
        var inFolder = 0;
        foreach (var binding in server.Loaded.Policies.Policies.Bindings)
        {
            var file = Path.GetFullPath(binding.File);
            if (string.Equals(file, policy, StringComparison.Ordinal))
            {
                return binding.Owner.ToString();
            }

            if (string.Equals(Path.GetDirectoryName(file), folder, StringComparison.Ordinal))
            {
                inFolder++;
                only = binding.Owner.ToString();
            }
        }

        // A policy's own fixture file whose policy is not served here (it failed to load, or a trial holds only some
        // of the folder's policies) asks its own name, never the name of the folder's one other policy.
        return byPlace ?? (inFolder == 1 ? only : null);
    }

    /// <summary>Unloads the folder's policies.</summary>
    public void Dispose() => Server?.Dispose();
}
