namespace Scriptable.Engine.Fixtures;

/// <summary>The outcomes of running a folder's fixtures.</summary>
/// <param name="Suite">The folder.</param>
/// <param name="Outcomes">One per case run.</param>
/// <param name="Uncovered">Policies no case reached, as <c>file (names)</c> (empty when a filter was used).</param>
/// <param name="RunTime">How long running took.</param>
public sealed record FixtureRun(FixtureSuite Suite, IReadOnlyList<FixtureOutcome> Outcomes, IReadOnlyList<string> Uncovered, TimeSpan RunTime)
{
    /// <summary>Cases that passed.</summary>
    public int Passed => Outcomes.Count(o => o.Status == FixtureStatus.Passed);

    /// <summary>Cases that failed.</summary>
    public int Failed => Outcomes.Count(o => o.Status == FixtureStatus.Failed);

    /// <summary>Cases skipped.</summary>
    public int Skipped => Outcomes.Count(o => o.Status == FixtureStatus.Skipped);

    /// <summary>True when the folder loaded, every fixture file read without error, and no case failed.</summary>
    public bool Succeeded => Suite.LoadErrors.Count == 0 && !Suite.Files.Any(f => f.HasErrors) && Failed == 0;
}
