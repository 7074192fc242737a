using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Scriptable.TestCommon;

/// <summary>One request the test server received.</summary>
public sealed record TestRequest(string Method, string Path, string? Host, int Number)
{
    /// <summary>The User-Agent header, if sent (a cluster node's probes name the node in it).</summary>
    public string? UserAgent { get; init; }
}

/// <summary>What the test server answers: a status, a body, and how long it waits first (real time).</summary>
public sealed record TestResponse(int Status, string Body = "", TimeSpan Delay = default)
{
    public static TestResponse Ok { get; } = new(200, "ok");

    /// <summary>Never answers (until the server is disposed): a backend slower than any timeout.</summary>
    public static TestResponse Hang { get; } = new(200, "late", Timeout.InfiniteTimeSpan);
}

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (port 0), plain or TLS with a self-signed certificate made here:
/// keep-alive, one request at a time per connection, no request bodies. It records every request (method,
/// path, Host header) and how many it handles at once, and answers what <see cref="Handler"/> says.
/// </summary>
public sealed class TestHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2? _certificate;
    private readonly Task _accepting;
    private readonly ConcurrentQueue<TestRequest> _requests = new();
    private int _count;
    private int _active;
    private int _maxActive;

    public TestHttpServer(Func<TestRequest, TestResponse>? handler = null, bool tls = false)
    {
        Handler = handler ?? (_ => TestResponse.Ok);
        _certificate = tls ? CreateCertificate() : null;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(512);
        _accepting = AcceptAsync();
    }

    /// <summary>Decides each response; may be replaced while running.</summary>
    public Func<TestRequest, TestResponse> Handler { get; set; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"{(_certificate is null ? "http" : "https")}://127.0.0.1:{Port}/health";

    /// <summary>Requests received so far (counted when their headers are read, before answering).</summary>
    public int Requests => Volatile.Read(ref _count);

    /// <summary>The most requests it was handling at the same time.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxActive);

    public IReadOnlyList<TestRequest> Received => [.. _requests];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception)
        {
        }

        _certificate?.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        try
        {
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (_certificate is not null)
            {
                var ssl = new SslStream(stream);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                stream = ssl;
            }

            await using (stream)
            {
                var reader = new StreamReader(stream, Encoding.ASCII, false, 4096, leaveOpen: true);
                while (!_stop.IsCancellationRequested)
                {
                    var line = await reader.ReadLineAsync(_stop.Token);
                    if (string.IsNullOrEmpty(line))
                    {
                        return;
                    }

                    var parts = line.Split(' ');
                    string? host = null;
                    string? agent = null;
                    string? header;
                    while (!string.IsNullOrEmpty(header = await reader.ReadLineAsync(_stop.Token)))
                    {
                        if (header.StartsWith("Host:", StringComparison.OrdinalIgnoreCase))
                        {
                            host = header[5..].Trim();
                        }
                        else if (header.StartsWith("User-Agent:", StringComparison.OrdinalIgnoreCase))
                        {
                            agent = header[11..].Trim();
                        }
                    }

                    var request = new TestRequest(parts[0], parts.Length > 1 ? parts[1] : "", host, Interlocked.Increment(ref _count)) { UserAgent = agent };
                    _requests.Enqueue(request);
                    var active = Interlocked.Increment(ref _active);
                    InterlockedMax(ref _maxActive, active);
                    try
                    {
                        var response = Handler(request);
                        if (response.Delay != TimeSpan.Zero)
                        {
                            await Task.Delay(response.Delay, _stop.Token);
                        }

                        var body = Encoding.UTF8.GetBytes(response.Body);
                        var head = string.Create(CultureInfo.InvariantCulture,
                            $"HTTP/1.1 {response.Status} {(response.Status < 400 ? "OK" : "Error")}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: keep-alive\r\n\r\n");
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                        if (request.Method != "HEAD")
                        {
                            await stream.WriteAsync(body, _stop.Token);
                        }

                        await stream.FlushAsync(_stop.Token);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _active);
                    }
                }
            }
        }
        catch (Exception)
        {
            // The client went away, TLS failed (tls-verify: true against this certificate), or the test ended.
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>A self-signed certificate for 127.0.0.1 and localhost, valid for a day.</summary>
    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=scriptable-health-test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }
}
