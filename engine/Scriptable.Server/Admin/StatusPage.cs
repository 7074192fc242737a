using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Scriptable.Server.Admin;

/// <summary>
/// The status page: <c>GET /ui</c> (HTML), <c>/ui/status.js</c> and <c>/ui/status.css</c>, embedded in the binary
/// (Admin/Page/). The page holds no data: its script reads the JSON routes with the token the operator types,
/// so it is served to every request, token or not. Its Content-Security-Policy allows scripts and styles from
/// this endpoint only (no inline script), and fetches to it only.
/// </summary>
internal static class StatusPage
{
    /// <summary>The page's path.</summary>
    public const string Path = "/ui";

    /// <summary>What the page may load: only its own files and this endpoint's routes.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly (string Path, string Resource, string ContentType)[] Files =
    [
        (Path, "index.html", "text/html; charset=utf-8"),
        (Path + "/status.js", "status.js", "text/javascript; charset=utf-8"),
        (Path + "/status.css", "status.css", "text/css; charset=utf-8"),
    ];

    /// <summary>True for the page's own files (served without the token: they hold no data).</summary>
    public static bool IsPageFile(PathString path)
    {
        foreach (var file in Files)
        {
            if (path.Equals(file.Path, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when a request to <c>/</c> comes from a browser (it accepts HTML): it is sent to the page.</summary>
    public static bool WantsHtml(HttpRequest request) =>
        request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    /// <summary>Adds the routes.</summary>
    public static void Map(WebApplication app)
    {
        foreach (var (path, resource, contentType) in Files)
        {
            var bytes = Read(resource);
            app.MapGet(path, (HttpContext context) =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-cache";
                return Results.Bytes(bytes, contentType);
            });
        }
    }

    private static byte[] Read(string resource)
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream("admin-page/" + resource)
            ?? throw new InvalidOperationException($"The status page's '{resource}' is not embedded in this build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
