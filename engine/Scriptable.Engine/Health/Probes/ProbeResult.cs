namespace Scriptable.Engine.Health.Probes;

/// <summary>The outcome of one probe, with a short reason such as <c>HTTP 503</c> or <c>connection refused</c>.</summary>
/// <param name="Success">True if the target passed.</param>
/// <param name="Reason">What happened, in a few words; shown to everyone (and to policies, as the state's reason).</param>
/// <param name="Output">
/// What the target itself said, when that may hold anything (a command's first line of output): kept apart from
/// the reason, for operators only (the admin endpoint shows it to requests with the token, and the logs).
/// </param>
internal readonly record struct ProbeResult(bool Success, string Reason, string? Output = null)
{
    /// <summary>A pass.</summary>
    public static ProbeResult Ok(string reason, string? output = null) => new(true, reason, output);

    /// <summary>A failure.</summary>
    public static ProbeResult Fail(string reason, string? output = null) => new(false, reason, output);

    /// <summary>The reason with the output, for the operator's logs: <c>exit 3: replica lag 30 s</c>.</summary>
    public string Describe() => Output is null ? Reason : Reason + ": " + Output;
}
