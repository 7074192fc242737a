using Scriptable.Engine.Protocol;

namespace Scriptable.Policies;

/// <summary>
/// The zone a policy's code runs for, on this thread: set while a policy version initialises its static
/// fields and while it answers a query, so that <see cref="Answer.Records"/> resolves relative names.
/// </summary>
internal static class PolicyScope
{
    [ThreadStatic]
    private static DnsName? t_origin;

    /// <summary>The current zone origin, or null outside policy code.</summary>
    public static DnsName? Origin => t_origin;

    /// <summary>Sets the origin and returns the previous one (restore it with <see cref="Restore"/>).</summary>
    public static DnsName? Enter(DnsName origin)
    {
        var previous = t_origin;
        t_origin = origin;
        return previous;
    }

    /// <summary>Restores the origin saved by <see cref="Enter"/>.</summary>
    public static void Restore(DnsName? previous) => t_origin = previous;
}
