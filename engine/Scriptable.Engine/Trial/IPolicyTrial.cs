using Scriptable.Engine.Policies;
using Scriptable.Engine.Policies.Compilation;

namespace Scriptable.Engine.Trial;

/// <summary>
/// Compiles and tries new policy versions before they may serve. The policy catalog hands it the files that
/// changed and the versions serving now; it answers, per changed file, with the assembly of a version that
/// passed, or with the diagnostics that say why not. <see cref="ProcessTrial"/> does it in a disposable child process.
/// </summary>
internal interface IPolicyTrial
{
    /// <summary>One result per <see cref="TrialBatch.Work"/> item, in order.</summary>
    IReadOnlyList<CompiledPolicy> Try(TrialBatch batch);
}

/// <summary>What a trial needs: the folder, the catalog's options, the changed files and the versions serving beside them.</summary>
/// <param name="Folder">The policies folder.</param>
/// <param name="Options">Globs and default settings.</param>
/// <param name="Work">The files to compile and try, with the text the catalog read.</param>
/// <param name="Live">The versions serving now for the other files.</param>
internal sealed record TrialBatch(string Folder, PolicyOptions Options, IReadOnlyList<PolicySource> Work, IReadOnlyList<TrialSeed> Live);

/// <summary>A version serving now, loaded beside the tried ones as it is (compiled, with its directives).</summary>
/// <param name="Source">The file (its text is not needed).</param>
/// <param name="Hash">Its content hash.</param>
/// <param name="Compiled">Its assembly and symbols.</param>
/// <param name="Settings">Its fallback and budget.</param>
/// <param name="ExtraNames">The names its <c>names=</c> directive adds.</param>
/// <param name="Helpers">The helpers it <c>#load</c>s (paths).</param>
internal sealed record TrialSeed(PolicySource Source, string Hash, CompiledPolicy Compiled, PolicySettings Settings, IReadOnlyList<string> ExtraNames, IReadOnlyList<string> Helpers);
