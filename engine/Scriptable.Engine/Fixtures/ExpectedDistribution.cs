namespace Scriptable.Engine.Fixtures;

/// <summary>
/// How answers must be shared over <see cref="Runs"/> questions, each from another client (or subnet):
/// every answer seen must be listed, and its share must be within the tolerance of the one expected.
/// </summary>
/// <param name="Runs">How many questions to ask (1 to 1,000,000).</param>
/// <param name="Vary">What changes between runs: <c>client</c> (the source address, a /24 further each run, or a /48 for IPv6), <c>ecs</c> (the ECS subnet, one subnet of the case's prefix further each run), or <c>none</c>.</param>
/// <param name="Tolerance">The largest difference allowed between an expected and a seen share (0.005 is half a percent), or null for four standard deviations of the binomial.</param>
/// <param name="Shares">The answers expected and their shares (which sum to 1).</param>
public sealed record ExpectedDistribution(int Runs, string Vary, double? Tolerance, IReadOnlyList<ExpectedShare> Shares)
{
    /// <summary>The tolerance for one share: the stated one, or four standard deviations (plus half a run).</summary>
    public double ToleranceFor(double share) => Tolerance ?? (4 * Math.Sqrt(share * (1 - share) / Runs)) + (0.5 / Runs);
}

/// <summary>One answer of a distribution and its share.</summary>
/// <param name="Answer">The answer section.</param>
/// <param name="Share">Its share, from 0 to 1.</param>
/// <param name="Line">Where the share is written.</param>
public sealed record ExpectedShare(IReadOnlyList<ExpectedRecord> Answer, double Share, int Line);
