using Scriptable.Engine.Policies;
using Scriptable.Engine.Policies.Compilation;

namespace Scriptable.Engine.Containment;

/// <summary>
/// What loads for a file's content instead of compiling it: a stand-in for a quarantined version (a stored earlier
/// version, or nothing: the fallback), or the content itself from the last-good store.
/// </summary>
/// <param name="Compiled">The stored version, ready to load; null when none is stored (its names answer the fallback).</param>
/// <param name="Text">Its source (its directives give its settings); null with no stored version.</param>
/// <param name="Hash">Its content hash; null with no stored version.</param>
/// <param name="Reason">Why, and how to release it, as a diagnostic on the file (error SCR0400), when the content is quarantined; null when the stored version is the content itself.</param>
internal sealed record PolicySubstitute(CompiledPolicy? Compiled, string? Text, string? Hash, PolicyDiagnostic? Reason);

/// <summary>A file's content, recognised before it is compiled (and tried): quarantined, or held by the last-good store.</summary>
/// <param name="Hash">Its content hash.</param>
/// <param name="Helpers">The helpers (paths) that hash covers: those of the stored or quarantined version it matched.</param>
/// <param name="Serve">What loads.</param>
internal sealed record KnownContent(string Hash, IReadOnlyList<string> Helpers, PolicySubstitute Serve);

/// <summary>
/// The policy catalog's one hook into containment (Containment/README.md): is this content quarantined or already
/// stored, and what serves then; a journal entry around each load; and each version that goes live, for the
/// last-good store. The catalog works the same without it (tools, tests, the trial process).
/// </summary>
internal interface IPolicyContainment
{
    /// <summary>True if the version of <paramref name="file"/> with content <paramref name="hash"/> is quarantined.</summary>
    bool IsQuarantined(string file, string hash);

    /// <summary>
    /// Before a changed file is compiled: null to compile (and try) it, or what loads instead, because its content
    /// is quarantined or is a version the last-good store holds. <paramref name="hashWith"/> gives the content hash
    /// of the file as it is now with a given list of helpers (a stored or quarantined version's).
    /// </summary>
    KnownContent? Recognise(string file, Func<IReadOnlyList<string>, string> hashWith);

    /// <summary>After a version compiled and before it loads: null to load it, or what serves instead (it is quarantined).</summary>
    PolicySubstitute? Substitute(string file, string hash);

    /// <summary>
    /// When a file's new content fails (to compile, its trial or its load) and nothing of it serves in this process
    /// yet (a start): its last good stored version to serve instead, other than <paramref name="failedHash"/> and
    /// not quarantined, with a warning that says so; null when none is stored.
    /// </summary>
    PolicySubstitute? Previous(string file, string failedHash);

    /// <summary>Before a version loads (its static fields run): records it in the journal; returns its journal id (0: none).</summary>
    int BeginLoad(string file, string hash, int revision);

    /// <summary>
    /// After the load: <paramref name="version"/> is null if it failed. With <paramref name="text"/> (a version
    /// compiled from the file, not loaded from the store) it is kept, with its compiled bytes and
    /// <paramref name="fixtures"/> (its fixture file's content as the content hash covers it), as the file's last good version.
    /// </summary>
    void EndLoad(int journalId, PolicyVersion? version, PolicyStats stats, string? text, string? fixtures);
}
