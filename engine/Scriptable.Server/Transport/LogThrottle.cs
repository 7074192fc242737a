namespace Scriptable.Server.Transport;

/// <summary>
/// Lets one log line through per interval and counts the ones held back, so a flood of bad clients costs a
/// line every few seconds, not one per connection. Thread-safe.
/// </summary>
internal sealed class LogThrottle(TimeSpan interval)
{
    private readonly long _intervalMs = (long)interval.TotalMilliseconds;
    private long _next;
    private long _held;

    /// <summary>
    /// True if this occurrence should be logged; then <paramref name="held"/> is how many were held back since
    /// the last one logged.
    /// </summary>
    public bool ShouldLog(out long held)
    {
        var now = Environment.TickCount64;
        var next = Volatile.Read(ref _next);
        if (now >= next && Interlocked.CompareExchange(ref _next, now + _intervalMs, next) == next)
        {
            held = Interlocked.Exchange(ref _held, 0);
            return true;
        }

        Interlocked.Increment(ref _held);
        held = 0;
        return false;
    }
}
