using System.Globalization;

namespace Scriptable.Engine.Health;

/// <summary>
/// How many of a cluster's live observers of a check must see it down for the check to be down (<c>quorum:</c> in
/// health.yaml): <c>one</c>, <c>majority</c> (the default), <c>all</c>, or a number. A single node is its only observer.
/// </summary>
/// <param name="Kind">One, majority, all, or a count.</param>
/// <param name="Count">With <see cref="HealthQuorumKind.Count"/>, the number (at least 1); 0 otherwise.</param>
public readonly record struct HealthQuorum(HealthQuorumKind Kind, int Count = 0)
{
    /// <summary>The default: more than half of the live observers.</summary>
    public static HealthQuorum Majority { get; } = new(HealthQuorumKind.Majority);

    /// <summary>Observers that must see the check down, out of <paramref name="observers"/> (at least 1, at most all of them).</summary>
    public int Required(int observers) => Math.Max(1, Kind switch
    {
        HealthQuorumKind.One => 1,
        HealthQuorumKind.All => observers,
        HealthQuorumKind.Count => Math.Min(Count, observers),
        _ => (observers / 2) + 1,
    });

    /// <summary>Parses <c>one</c>, <c>majority</c>, <c>all</c> or a number from 1 to 1000.</summary>
    public static bool TryParse(string? text, out HealthQuorum quorum)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "one":
                quorum = new(HealthQuorumKind.One);
                return true;
            case "majority":
                quorum = Majority;
                return true;
            case "all":
                quorum = new(HealthQuorumKind.All);
                return true;
            default:
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= 1000)
                {
                    quorum = new(HealthQuorumKind.Count, count);
                    return true;
                }

                quorum = Majority;
                return false;
        }
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        HealthQuorumKind.One => "one",
        HealthQuorumKind.All => "all",
        HealthQuorumKind.Count => Count.ToString(CultureInfo.InvariantCulture),
        _ => "majority",
    };
}
