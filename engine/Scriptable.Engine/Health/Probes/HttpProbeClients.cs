using System.Net;

namespace Scriptable.Engine.Health.Probes;

/// <summary>
/// The HTTP clients every HTTP check shares: one <see cref="SocketsHttpHandler"/> that verifies certificates
/// and one that does not, so connections to the same server are pooled across checks and probes. No
/// redirects, no cookies, no proxy, no decompression; timeouts come from each probe's token.
/// </summary>
internal sealed class HttpProbeClients : IDisposable
{
    private readonly Lazy<HttpClient> _verifying;
    private readonly Lazy<HttpClient> _trusting;

    /// <summary>Creates the clients (lazily: a folder without HTTP checks opens nothing).</summary>
    public HttpProbeClients(TimeSpan connectTimeout)
    {
        _verifying = new Lazy<HttpClient>(() => Create(connectTimeout, verify: true));
        _trusting = new Lazy<HttpClient>(() => Create(connectTimeout, verify: false));
    }

    /// <summary>The client for a check that does (or does not) verify certificates.</summary>
    public HttpClient For(bool tlsVerify) => tlsVerify ? _verifying.Value : _trusting.Value;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_verifying.IsValueCreated)
        {
            _verifying.Value.Dispose();
        }

        if (_trusting.IsValueCreated)
        {
            _trusting.Value.Dispose();
        }
    }

    private static HttpClient Create(TimeSpan connectTimeout, bool verify)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            // A backstop only: each probe's own timeout cancels earlier.
            ConnectTimeout = connectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        };
        if (!verify)
        {
            // tls-verify: false: the operator said this server's certificate is not to be checked.
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
