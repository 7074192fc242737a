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
}
