namespace Scriptable.Engine.Policies;

/// <summary>Why a policy did not answer a query itself.</summary>
public enum PolicyFailureKind
{
    /// <summary>It threw an exception.</summary>
    Exception,

    /// <summary>It ran out of its time budget.</summary>
    Time,

    /// <summary>It ran out of its stack (depth) budget.</summary>
    Stack,

    /// <summary>It ran out of its memory budget.</summary>
    Memory,

    /// <summary>It returned null instead of an answer.</summary>
    NullAnswer,

    /// <summary>No version of it ever compiled.</summary>
    NeverLoaded,

    /// <summary>It is benched after failing, and was not run.</summary>
    Benched,
}

/// <summary>
/// What went wrong in one run of a policy, when someone asks why (<see cref="Pipeline.QueryContext.Explain"/>:
/// <c>scriptable query</c>, fixtures, trials): the kind, the exception's type, where in the policy's files, and
/// the message.
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="TypeName">The exception's type name, or empty.</param>
/// <param name="File">The policy or helper file, as shown to users.</param>
/// <param name="Line">The line in it (0 when unknown).</param>
/// <param name="Message">What the exception said, or why the policy was not run.</param>
public sealed record PolicyFailure(PolicyFailureKind Kind, string TypeName, string File, int Line, string Message)
{
    /// <summary>True for a budget stop (time, stack or memory).</summary>
    public bool IsBudgetStop => Kind is PolicyFailureKind.Time or PolicyFailureKind.Stack or PolicyFailureKind.Memory;
}
