namespace Scriptable.Engine.Health;

/// <summary>An HTTP or HTTPS request; redirects are not followed (a 3xx is a status like any other).</summary>
/// <param name="Url">The absolute <c>http://</c> or <c>https://</c> URL requested.</param>
/// <param name="Method">The request method, upper case (<c>GET</c> by default).</param>
/// <param name="Host">The Host header (and TLS server name) to send instead of the URL's host, or null.</param>
/// <param name="ExpectMin">The lowest status that passes (200 by default).</param>
/// <param name="ExpectMax">The highest status that passes (399 by default).</param>
/// <param name="Body">Text the body must contain (the first 64 KiB are read), or null to read no body.</param>
/// <param name="TlsVerify">For https: check the server's certificate (true by default).</param>
public sealed record HttpProbeConfig(Uri Url, string Method = "GET", string? Host = null, int ExpectMin = 200, int ExpectMax = 399, string? Body = null, bool TlsVerify = true)
    : HealthProbeConfig
{
    /// <inheritdoc />
    public override HealthCheckKind Kind => HealthCheckKind.Http;

    /// <inheritdoc />
    public override string Target => Url.OriginalString;
}
