namespace Scriptable.Engine.Policies;

/// <summary>
/// Which files of the policies folder are policies, and the settings every policy starts from (a policy's
/// own <c>// scriptable:</c> directives override them).
/// </summary>
public sealed record PolicyOptions
{
    /// <summary>Glob patterns (relative to the policies folder) of the files that are policies.</summary>
    public IReadOnlyList<string> Include { get; init; } = ["**/*.csx"];

    /// <summary>
    /// Glob patterns of files that are not policies even if included: by default files and folders starting
    /// with <c>_</c> (shared helpers for <c>#load</c>, drafts).
    /// </summary>
    public IReadOnlyList<string> Exclude { get; init; } = ["**/_*.csx", "**/_*/**"];

    /// <summary>Fallback and budget of policies that do not set their own.</summary>
    public PolicySettings Defaults { get; init; } = new();

    /// <summary>Limits of compiling and trying a new version (source size, compile time, trial questions).</summary>
    public Trial.TrialSettings TrialSettings { get; init; } = new();

    /// <summary>
    /// Where new versions are compiled and tried before they serve: a disposable child process on the server
    /// (<see cref="Trial.ProcessTrial"/>); null compiles them here without a trial (the local server, tests).
    /// </summary>
    internal Trial.IPolicyTrial? Trial { get; init; }

    /// <summary>
    /// The policy worker processes that run the versions whose settings say <c>Process</c> (the server's); null runs
    /// every version in this process (the local server, trials, tests).
    /// </summary>
    internal Isolation.PolicyWorkers? Workers { get; init; }
}
