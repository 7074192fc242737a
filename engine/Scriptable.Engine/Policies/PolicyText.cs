using Scriptable.Policies.Runtime;

namespace Scriptable.Engine.Policies;

/// <summary>
/// The one way host code reads text out of objects a policy produced or threw. An exception's
/// <see cref="Exception.Message"/> may be a policy's own getter, or a framework getter that calls policy code
/// (<see cref="ArgumentOutOfRangeException.ActualValue"/>'s <c>ToString()</c>, the inner messages of an
/// <see cref="AggregateException"/>), and may loop, recurse or allocate without end. Here it runs inside a small
/// budget of its own; whatever goes wrong, the answer is the type's name.
/// </summary>
/// <remarks>
/// Only the exception's type (<see cref="object.GetType"/> is not virtual), its stack trace (read by
/// <see cref="System.Diagnostics.StackTrace"/> from the runtime's own record) and the
/// <see cref="Exception.InnerException"/> chain (not virtual) are read directly; <c>Message</c>, <c>ToString()</c>,
/// <c>Data</c>, <c>Source</c> and <c>StackTrace</c> are virtual and are never read outside this class.
/// </remarks>
internal static class PolicyText
{
    /// <summary>Longest text kept from a policy object: a log line, not a dump.</summary>
    public const int MaxLength = 1000;

    /// <summary>
    /// The budget of one read: generous for a message, tiny next to a query's (the read may happen on a
    /// receive thread, once per burst of failures).
    /// </summary>
    internal static readonly BudgetLimits ReadLimits = new() { Time = TimeSpan.FromMilliseconds(5), MaxStackBytes = 64 * 1024, MaxAllocatedBytes = 256 * 1024 };

    /// <summary><c>TypeName: message</c> of an exception thrown by policy code, or the type name alone if the message cannot be read.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var name = exception.GetType().Name;
        var message = Message(exception);
        return message is null ? name : name + ": " + message;
    }

    /// <summary>The message of an exception thrown by policy code, read under <see cref="ReadLimits"/>; null if it could not be read.</summary>
    public static string? Message(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);

        // The host's own exceptions (and the budget's) are read directly: no policy code behind them.
        if (exception is BudgetExceededException)
        {
            return exception.Message;
        }

        string? text;
        try
        {
            using (Budget.Begin(ReadLimits))
            {
                text = exception.Message;
                if (text is { Length: > MaxLength })
                {
                    text = text[..MaxLength] + "...";
                }
            }
        }
#pragma warning disable CA1031 // Anything the policy's getter throws means "unreadable"; the caller gets the type's name.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }

        return text;
    }
}
