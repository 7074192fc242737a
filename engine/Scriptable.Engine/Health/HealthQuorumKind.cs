namespace Scriptable.Engine.Health;

/// <summary>The kinds of <see cref="HealthQuorum"/>.</summary>
public enum HealthQuorumKind
{
    /// <summary>More than half of the live observers (the default).</summary>
    Majority,

    /// <summary>Any one observer.</summary>
    One,

    /// <summary>Every live observer.</summary>
    All,

    /// <summary>A given number of observers (all of them when fewer are live).</summary>
    Count,
}
