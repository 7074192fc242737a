namespace Scriptable.Engine.Health.Probes;

/// <summary>The outcome of one probe, with a short reason such as <c>HTTP 503</c> or <c>connection refused</c>.</summary>
/// <param name="Success">True if the target passed.</param>
/// <param name="Reason">What happened, in a few words.</param>
internal readonly record struct ProbeResult(bool Success, string Reason)
{
    /// <summary>A pass.</summary>
    public static ProbeResult Ok(string reason) => new(true, reason);

    /// <summary>A failure.</summary>
    public static ProbeResult Fail(string reason) => new(false, reason);
}
