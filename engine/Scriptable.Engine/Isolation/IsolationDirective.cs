using Scriptable.Engine.Policies;

namespace Scriptable.Engine.Isolation;

/// <summary>
/// The <c>// scriptable: isolation=process</c> directive: a policy asks to run in policy worker processes. It can
/// only add isolation: where the server runs every policy in workers (<c>Policy:Isolation</c> = <c>Process</c>),
/// <c>isolation=inprocess</c> is ignored with a warning, so a policy's author cannot take it out of its worker.
/// </summary>
internal static class IsolationDirective
{
    /// <summary>The warning of an <c>isolation=inprocess</c> that the server's setting overrides.</summary>
    public const string IgnoredId = "SCR0450";

    /// <summary>
    /// Applies the value; false with an error for a value that is not one. True with a non-empty
    /// <paramref name="remark"/> when the value is ignored (a warning).
    /// </summary>
    public static bool Apply(ReadOnlySpan<char> value, ref PolicySettings settings, out string remark)
    {
        remark = "";
        if (value.Equals("process", StringComparison.OrdinalIgnoreCase))
        {
            settings = settings with { Isolation = PolicyIsolation.Process };
            return true;
        }

        if (value.Equals("inprocess", StringComparison.OrdinalIgnoreCase))
        {
            if (settings.Isolation == PolicyIsolation.Process)
            {
                remark = "isolation=inprocess is ignored: the server (Policy:Isolation is Process) or an earlier directive runs this policy in worker processes.";
            }

            return true;
        }

        remark = $"isolation '{value}' is not one of process, inprocess.";
        return false;
    }
}
