namespace Scriptable.Policies;

/// <summary>The order in which the records of one type are sent.</summary>
public enum RecordOrder
{
    /// <summary>As given, every time.</summary>
    AsGiven,

    /// <summary>Rotated by one position on each use (round robin over the records).</summary>
    Rotated,

    /// <summary>A random permutation on each use.</summary>
    Shuffled,
}
