namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// A fact that needs root: it runs a program as another user (setpriv) or binds port 53. Tests run as root in CI
/// and on the project's machines; elsewhere it is skipped, saying so.
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    /// <summary>Skips the test unless the tests run as root.</summary>
    public RootFactAttribute()
    {
        if (!IsRoot)
        {
            Skip = "needs root (it runs the service as its own user through setpriv, on port 53); CI runs tests as root";
        }
    }

    /// <summary>True when the tests run as root (effective user id 0).</summary>
    public static bool IsRoot => Environment.UserName == "root";
}
