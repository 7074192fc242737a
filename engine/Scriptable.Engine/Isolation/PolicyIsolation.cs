namespace Scriptable.Engine.Isolation;

/// <summary>Where a policy's code runs when the server answers a query with it.</summary>
public enum PolicyIsolation
{
    /// <summary>
    /// In the server process, under the sandbox and the budget: the fastest, but a stack overflow or an access
    /// violation that slips through kills the server, and work inside framework code cannot be interrupted.
    /// </summary>
    InProcess,

    /// <summary>
    /// In worker processes the server starts (<c>scriptable __policy-worker</c>): what the policy does that the
    /// sandbox and the budget do not stop kills or hangs only a worker, which the server replaces.
    /// </summary>
    Process,
}
