using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;
using Scriptable.Server.Configuration;
using Scriptable.Server.Hosting;

namespace Scriptable.Server.Admin;

/// <summary>
/// The admin HTTP endpoint (ASP.NET Core minimal API on Kestrel): the server's state as JSON, overrides of
/// health checks, and every metric of the <c>Scriptable</c> meter in Prometheus text format. Loopback by
/// default; on any other address every request must carry the configured token, and on loopback changes
/// must when a token is set.
/// </summary>
internal sealed partial class AdminEndpoint : IAsyncDisposable
{
    private readonly AdminConfig _config;
    private readonly IPEndPoint _listen;
    private readonly ScriptableServer _server;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly PrometheusExporter _exporter;
    private WebApplication? _app;

    /// <summary>Creates the endpoint; nothing listens until <see cref="StartAsync"/>.</summary>
    public AdminEndpoint(AdminConfig config, IPEndPoint listen, ScriptableServer server, ILoggerFactory loggers)
    {
        _config = config;
        _listen = listen;
        _server = server;
        _loggers = loggers;
        _logger = loggers.CreateLogger("Scriptable.Admin");
        _exporter = new PrometheusExporter(DnsMetrics.MeterName, server.Metrics.Histograms, server.MeterFactory.Owns);
    }

    /// <summary>Where the endpoint listens (the port chosen when configured as 0).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Binds and starts serving.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "scriptable-admin", EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggers);

        // The server's host owns the process's lifetime (Ctrl-C, SIGTERM, systemd): this one neither listens for
        // signals nor logs "Application started" a second time.
        builder.Services.AddSingleton<IHostLifetime, OwnedLifetime>();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(_listen);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
        });
        var app = builder.Build();
        app.Use(Authorize);
        AdminRoutes.Map(app, _server);
        app.MapGet("/metrics", () => Results.Text(_exporter.Scrape(), "text/plain; version=0.0.4; charset=utf-8"));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address.Replace("[::]", "[::1]", StringComparison.Ordinal));
        LocalEndPoint = new IPEndPoint(_listen.Address, uri.Port);
        LogListening($"http://{Format(LocalEndPoint)}/", string.IsNullOrEmpty(_config.Token) ? "no token" : "token required");
    }

    /// <summary>
    /// Token check: every request off loopback, changes on loopback when a token is set; then what the request may
    /// see (<see cref="AdminAccess"/>): diagnostic messages need the token when one is set, command output always.
    /// </summary>
    private async Task Authorize(HttpContext context, Func<Task> next)
    {
        var token = _config.Token;
        var change = !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method);
        // The page's own files hold no data (its script sends the token with every read), nor does the redirect of
        // a browser from / to it: a browser can load them without the token.
        var page = !change && (StatusPage.IsPageFile(context.Request.Path) || (context.Request.Path == "/" && StatusPage.WantsHtml(context.Request)));
        var needed = (!IPAddress.IsLoopback(_listen.Address) || (change && token.Length > 0)) && !page;
        var sent = Matches(context.Request.Headers.Authorization.ToString(), token);
        context.SetAdminAccess(sent ? AdminAccess.Operator : token.Length == 0 ? AdminAccess.Local : AdminAccess.Anonymous);
        if (needed && !sent)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await context.Response.WriteAsJsonAsync(new { error = "send the admin token as 'Authorization: Bearer <token>'" }).ConfigureAwait(false);
            return;
        }

        await next().ConfigureAwait(false);
    }

    private static bool Matches(string header, string token)
    {
        const string Scheme = "Bearer ";
        if (token.Length == 0 || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Constant time: the comparison must not tell how much of a guess was right.
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }

    private static string Format(IPEndPoint endPoint) =>
        endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endPoint.Address}]:{endPoint.Port}" : endPoint.ToString();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }

        _exporter.Dispose();
    }

    [LoggerMessage(EventId = EventIds.AdminListening, EventName = nameof(EventIds.AdminListening), Level = LogLevel.Information,
        Message = "Admin endpoint on {Url} ({Auth}): the status page at /ui; /status, /policies, /health, /metrics.")]
    private partial void LogListening(string url, string auth);
}
