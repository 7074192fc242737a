using Scriptable.Engine.Local;

namespace Scriptable.Engine.Fixtures;

/// <summary>How a case went.</summary>
public enum FixtureStatus
{
    /// <summary>The answer is what the case expects.</summary>
    Passed,

    /// <summary>The answer differs (see <see cref="FixtureOutcome.Diff"/>), or the question cannot be asked.</summary>
    Failed,

    /// <summary>The case says <c>skip:</c>.</summary>
    Skipped,
}

/// <summary>The outcome of one case.</summary>
/// <param name="Case">The case.</param>
/// <param name="Status">Passed, failed or skipped.</param>
/// <param name="Diff">How the answer differs, one line each (<c>rcode: expected NOERROR, got SERVFAIL</c>, <c>  - A 192.0.2.10</c>...), then why; or the reason to skip.</param>
/// <param name="Answer">The answer (of the last run for a distribution), or null when none was asked.</param>
public sealed record FixtureOutcome(FixtureCase Case, FixtureStatus Status, IReadOnlyList<string> Diff, LocalAnswer? Answer)
{
    /// <summary>How long the case took to run (all its runs, for a distribution).</summary>
    public TimeSpan Elapsed { get; init; }

    /// <inheritdoc />
    public override string ToString() => FixtureRunner.Describe(this);
}
