namespace Scriptable.Engine.Pipeline;

/// <summary>
/// Something that sees every answered query once it is answered: dnstap and the query log (the server's
/// Observability/). <see cref="Capture"/> runs on the query path, at the end of Record: it copies what it needs
/// into a buffer of its own and hands it to a background writer, or drops it and counts the drop. It never
/// blocks, never does I/O, and never throws.
/// </summary>
internal abstract class QueryTap
{
    /// <summary>
    /// Sees the answered query in <paramref name="context"/> (its response is in <see cref="QueryContext.Response"/>),
    /// received at <paramref name="received"/> and answered at <paramref name="answered"/> (<see cref="System.Diagnostics.Stopwatch"/> timestamps).
    /// </summary>
    public abstract void Capture(QueryContext context, long received, long answered);
}
