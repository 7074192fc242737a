namespace Scriptable.Testing.Xunit;

/// <summary>A fixture case whose answer differs from what it expects; the message is the diff.</summary>
public sealed class FixtureFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FixtureFailedException()
    {
    }

    /// <summary>Creates the exception with the diff.</summary>
    public FixtureFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the diff and a cause.</summary>
    public FixtureFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
