using System.Buffers;
using System.Globalization;
using System.Text;

namespace Scriptable.Engine.Health.Probes;

/// <summary>
/// An HTTP or HTTPS request: the status must be in the expected range and, when <c>body</c> is set, the
/// first <c>maxBodyBytes</c> of the body must contain it. Redirects are statuses like others.
/// </summary>
internal sealed class HttpProber : IHealthProber
{
    private static readonly string[] StatusReasons = CreateStatusReasons();

    private readonly HttpProbeConfig _config;
    private readonly HttpClient _client;
    private readonly HttpMethod _method;
    private readonly byte[]? _body;
    private readonly int _maxBodyBytes;
    private readonly string _agent;

    /// <summary>Creates the prober of one check, on the shared client.</summary>
    public HttpProber(HttpProbeConfig config, HttpClient client, int maxBodyBytes, string agent = "scriptable-health")
    {
        _config = config;
        _client = client;
        _method = new HttpMethod(config.Method);
        _body = config.Body is null ? null : Encoding.UTF8.GetBytes(config.Body);
        _maxBodyBytes = maxBodyBytes;
        _agent = agent;
    }

    /// <inheritdoc />
    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(_method, _config.Url);
        if (_config.Host is { } host)
        {
            // Also the TLS server name (SNI) for https.
            request.Headers.Host = host;
        }

        request.Headers.TryAddWithoutValidation("User-Agent", _agent);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        var reason = status is >= 100 and <= 599 ? StatusReasons[status - 100] : "HTTP " + status.ToString(CultureInfo.InvariantCulture);
        if (status < _config.ExpectMin || status > _config.ExpectMax)
        {
            return ProbeResult.Fail(reason);
        }

        if (_body is null)
        {
            return ProbeResult.Ok(reason);
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = ArrayPool<byte>.Shared.Rent(_maxBodyBytes);
            try
            {
                var length = 0;
                while (length < _maxBodyBytes)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(length, _maxBodyBytes - length), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                    if (buffer.AsSpan(0, length).IndexOf(_body) >= 0)
                    {
                        return ProbeResult.Ok(reason);
                    }
                }

                return ProbeResult.Fail($"{reason} without '{_config.Body}' in the body");
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static string[] CreateStatusReasons()
    {
        var reasons = new string[500];
        for (var i = 0; i < reasons.Length; i++)
        {
            reasons[i] = "HTTP " + (i + 100).ToString(CultureInfo.InvariantCulture);
        }

        return reasons;
    }
}
