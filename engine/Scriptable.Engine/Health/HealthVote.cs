using System.Text;
using Scriptable.Policies;

namespace Scriptable.Engine.Health;

/// <summary>
/// A check's state decided by the live observers of a cluster (<see cref="HealthQuorum"/>), which policies see in
/// place of the node's own probes, and its text: <c>down (2 of 3: ns1 down 'connection refused', ns2 down 'timeout', ns3 up)</c>.
/// </summary>
/// <param name="State">Down when at least the quorum's number of observers see it down; up otherwise.</param>
/// <param name="Since">When the decided state last changed (the latest observation that brought it there).</param>
/// <param name="Down">Observers that see it down.</param>
/// <param name="Observers">Live observers.</param>
/// <param name="Text">The vote, as operators read it.</param>
public sealed record HealthVote(HealthState State, DateTimeOffset Since, int Down, int Observers, string Text)
{
    /// <summary>
    /// Decides a check's state from <paramref name="observations"/> (one per live node, in any order) by
    /// <paramref name="quorum"/>; null when there are none.
    /// </summary>
    public static HealthVote? Decide(HealthQuorum quorum, IReadOnlyList<HealthObservation> observations)
    {
        ArgumentNullException.ThrowIfNull(observations);
        if (observations.Count == 0)
        {
            return null;
        }

        var sorted = observations.OrderBy(o => o.Node, StringComparer.Ordinal).ToList();
        var down = 0;
        var sinceDown = DateTimeOffset.MinValue;
        var sinceUp = DateTimeOffset.MinValue;
        foreach (var observation in sorted)
        {
            if (observation.State == HealthState.Down)
            {
                down++;
                sinceDown = Max(sinceDown, observation.Since);
            }
            else
            {
                sinceUp = Max(sinceUp, observation.Since);
            }
        }

        var required = quorum.Required(sorted.Count);
        var state = down >= required ? HealthState.Down : HealthState.Up;
        var text = new StringBuilder();
        text.Append(state == HealthState.Down ? "down" : "up").Append(" (").Append(state == HealthState.Down ? down : sorted.Count - down)
            .Append(" of ").Append(sorted.Count).Append(", quorum ").Append(quorum).Append(": ");
        for (var i = 0; i < sorted.Count; i++)
        {
            var o = sorted[i];
            text.Append(i == 0 ? "" : ", ").Append(o.Node).Append(' ').Append(o.State == HealthState.Down ? "down" : "up");
            if (o.State == HealthState.Down && !string.IsNullOrEmpty(o.Reason))
            {
                text.Append(" '").Append(o.Reason).Append('\'');
            }
        }

        text.Append(')');
        var since = state == HealthState.Down ? sinceDown : (sinceUp == DateTimeOffset.MinValue ? sinceDown : sinceUp);
        return new HealthVote(state, since, down, sorted.Count, text.ToString());
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
