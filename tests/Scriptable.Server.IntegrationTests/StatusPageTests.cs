using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Scriptable.Server.Configuration;
using Scriptable.TestCommon;
using Xunit.Abstractions;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// The status page in headless Chromium (Debian <c>chromium</c>), driven over the DevTools protocol as an operator
/// would: it loads without errors; a health check against a real HTTP backend goes down and the page shows it
/// within one refresh; with the admin token typed in, the drain button changes what <c>dig</c> gets. What it shows
/// is text, never markup (a policy error quoting HTML), and without the token, messages stay hidden.
/// </summary>
public sealed class StatusPageTests(StatusPageTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<StatusPageTests.Fixture>
{
    private const string Token = "s3cret-token";
    private const string Paris = "192.0.2.10";
    private const string Virginia = "192.0.2.20";

    /// <summary>
    /// One server: www.example.org picks Paris while its check passes, else Virginia; a policy whose compile error
    /// quotes HTML; a zone that fails to load. Both checks probe real HTTP backends every 200 ms.
    /// </summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private readonly TempFolder _folder = TempFolder.WithExampleZone();
        private volatile bool _parisUp = true;

        public TestHttpServer ParisBackend { get; } = new();

        public TestHttpServer VirginiaBackend { get; } = new();

        public TestServer Server { get; private set; } = null!;

        public bool ParisUp
        {
            get => _parisUp;
            set => _parisUp = value;
        }

        public async Task InitializeAsync()
        {
            ParisBackend.Handler = _ => _parisUp ? TestResponse.Ok : new TestResponse(503, "down");
            _folder.Write("example.org/www.csx", $$"""
                // scriptable: fallback=static
                static readonly Answer Paris = Answer.Address("{{Paris}}").WithTtl(5);
                static readonly Answer Virginia = Answer.Address("{{Virginia}}").WithTtl(5);
                static readonly Pool<Answer> ParisFirst = Pool.Of((Paris, "paris"), (Virginia, "virginia")).WhenAllDown(Paris);
                if (ctx.Query.Type != DnsType.A) return Answer.Static;
                return ParisFirst.First(ctx);
                """);
            _folder.Write("example.org/broken.csx", "#error <img src=x onerror=\"document.title='injected'\">\nreturn Answer.Static;\n");
            _folder.Write("broken.example/broken.example.zone", "$ORIGIN broken.example.\n@ 300 IN SOA ns1 hostmaster 1 3600 600 604800 60\n@ 300 IN NS ns1\nwww 300 IN A 192.0.2.999\n");
            _folder.Write("health.yaml", $"defaults: {{ interval: 200ms, timeout: 150ms, rise: 1, fall: 1 }}\nchecks:\n  paris: {{ http: {ParisBackend.Url} }}\n  virginia: {{ http: {VirginiaBackend.Url} }}\n");
            Server = await TestServer.StartInFolderAsync(_folder.Path, o => o.Admin = new AdminConfig { Listen = "127.0.0.1:0", Token = Token });
        }

        public async Task DisposeAsync()
        {
            await Server.DisposeAsync();
            await ParisBackend.DisposeAsync();
            await VirginiaBackend.DisposeAsync();
            _folder.Dispose();
        }
    }

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private Uri Page => new(fixture.Server.Admin!, "ui");

    private static string Row(string check) => $"#checks tr[data-check=\"{check}\"]";

    private async Task<string> DigAsync()
    {
        var (exit, text, error) = await ExternalTool.RunAsync("dig", ["@127.0.0.1", "-p", fixture.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "www.example.org", "A", "+short", "+norec", "+time=2", "+tries=1"]);
        Assert.True(exit == 0, "dig failed: " + error);
        return text.Trim();
    }

    private async Task WaitForDigAsync(string expected, string what)
    {
        var watch = Stopwatch.StartNew();
        string got;
        while ((got = await DigAsync()) != expected)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"{what}: dig still gets '{got}', not {expected}");
            await Task.Delay(50);
        }
    }

    private async Task<string?> CheckStateAsync(string check)
    {
        using var health = JsonDocument.Parse(await Http.GetStringAsync(new Uri(fixture.Server.Admin!, "health")));
        return health.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == check).GetProperty("state").GetString();
    }

    /// <summary>
    /// One operator's session, in order: the page loads clean; the check goes down and the page shows it within a
    /// refresh; it comes back; the drain button without the token is refused; with the token typed, drain changes the
    /// answer, and clear brings it back. The screenshot is written to artifacts/status-page.png.
    /// </summary>
    [ToolFact("chromium", "chromium")]
    public async Task OperatorSession_LoadDownDrainClear()
    {
        var clock = Stopwatch.StartNew();
        await using var chromium = await HeadlessChromium.StartAsync();
        output.WriteLine($"chromium up: {clock.ElapsedMilliseconds} ms");
        var page = chromium.Page;
        await WaitForDigAsync(Paris, "both checks up");

        // Loads, and nothing on it complains.
        await page.NavigateAsync(Page);
        await page.WaitUntilAsync($"document.querySelector('{Row("paris")}')?.dataset.state === 'up' && Number(document.body.dataset.refreshes) >= 1", TimeSpan.FromSeconds(8), "the page loading its data");
        Assert.Empty(page.Errors);
        var text = (await page.EvaluateAsync("document.body.innerText")).GetString()!;
        Assert.Contains("example.org.", text, StringComparison.Ordinal);
        Assert.Contains("www.csx", text, StringComparison.Ordinal);
        Assert.Contains("broken.example.zone(4,1):", text, StringComparison.Ordinal);
        Assert.Contains("broken.csx(1,", text, StringComparison.Ordinal);

        // A token is configured and none was typed: where the errors are, not what they say.
        Assert.Contains("(the message needs the admin token)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", text, StringComparison.Ordinal);

        output.WriteLine($"{clock.ElapsedMilliseconds} ms");
        // The backend fails: the server sees it, and the page shows it by its next refresh (every 2 s).
        fixture.ParisUp = false;
        var watch = Stopwatch.StartNew();
        while (await CheckStateAsync("paris") != "down")
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "the paris check never went down");
            await Task.Delay(20);
        }

        var before = (await page.EvaluateAsync("Number(document.body.dataset.refreshes)")).GetInt32();
        var shown = await page.WaitUntilAsync($"document.querySelector('{Row("paris")}').dataset.state === 'down'", TimeSpan.FromSeconds(3.5), "the page showing paris down (it refreshes every 2 s)");
        output.WriteLine($"down on /health -> down on the page: {shown.TotalMilliseconds:F0} ms");

        // Within one refresh: at most the one in flight when the check went down (it may have read /health before), then the next.
        Assert.InRange((await page.EvaluateAsync("Number(document.body.dataset.refreshes)")).GetInt32() - before, 0, 2);
        Assert.Contains("HTTP 503", (await page.EvaluateAsync($"document.querySelector('{Row("paris")}').innerText")).GetString(), StringComparison.Ordinal);
        await WaitForDigAsync(Virginia, "paris down");
        fixture.ParisUp = true;
        await WaitForDigAsync(Paris, "paris up again");
        Assert.Empty(page.Errors);

        output.WriteLine($"{clock.ElapsedMilliseconds} ms");
        // Drain without the token: refused (the browser logs the 401), nothing changes.
        page.ClearErrors();
        await page.ClickAsync($"{Row("paris")} button[data-action=\"drain\"]");
        await page.WaitUntilAsync("document.getElementById('override-message').textContent.includes('admin token')", TimeSpan.FromSeconds(5), "the refusal shown");
        Assert.Equal(Paris, await DigAsync());
        Assert.Equal("up", await CheckStateAsync("paris"));
        for (var waited = Stopwatch.StartNew(); !page.Errors.Any(e => e.Contains("401", StringComparison.Ordinal)) && waited.Elapsed < TimeSpan.FromSeconds(1);)
        {
            // The browser's log of the refused request may trail the page's message: wait for it, so that it is not counted later.
            await Task.Delay(20);
        }

        output.WriteLine("logged for the refused drain: " + string.Join(" | ", page.Errors));

        // Which also shows that the errors the page reports do reach the test: the checks for none above can fail.
        Assert.Contains(page.Errors, e => e.Contains("401", StringComparison.Ordinal));
        page.ClearErrors();

        output.WriteLine($"{clock.ElapsedMilliseconds} ms");
        // The token typed in: messages appear, as text; drain moves www to Virginia.
        await page.TypeAsync("#token", Token);
        await page.ClickAsync("#token-save");
        await page.WaitUntilAsync("document.body.innerText.includes('CS1029')", TimeSpan.FromSeconds(5), "the messages with the token");
        Assert.Equal(Token, (await page.EvaluateAsync("sessionStorage.getItem('scriptable.admin.token')")).GetString());
        await page.ClickAsync($"{Row("paris")} button[data-action=\"drain\"]");
        await WaitForDigAsync(Virginia, "paris drained");
        await page.WaitUntilAsync($"document.querySelector('{Row("paris")}').dataset.state === 'draining'", TimeSpan.FromSeconds(5), "the page showing paris draining");

        text = (await page.EvaluateAsync("document.body.innerText")).GetString()!;
        Assert.Contains("<img src=x onerror=", text, StringComparison.Ordinal);
        Assert.Equal(0, (await page.EvaluateAsync("document.querySelectorAll('main img, main b').length")).GetInt32());
        Assert.Equal("Scriptable status", (await page.EvaluateAsync("document.title")).GetString());
        Assert.Empty(page.Errors);

        output.WriteLine($"{clock.ElapsedMilliseconds} ms");
        Directory.CreateDirectory(RepositoryPaths.Combine("artifacts"));
        await File.WriteAllBytesAsync(RepositoryPaths.Combine("artifacts", "status-page.png"), await page.ScreenshotAsync(1280, 1060));

        output.WriteLine($"{clock.ElapsedMilliseconds} ms");
        // Clear: the override goes, Paris answers again.
        await page.ClickAsync($"{Row("paris")} button[data-action=\"clear\"]");
        await WaitForDigAsync(Paris, "override cleared");
        Assert.Empty(page.Errors);
        output.WriteLine($"done: {clock.ElapsedMilliseconds} ms");
    }

    /// <summary>The page is served without the token, with a policy that forbids inline script; browsers asking for / are sent to it.</summary>
    [Fact]
    public async Task Page_Headers_CspAndRedirect()
    {
        using var response = await Http.GetAsync(Page);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        var csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var browser = new HttpRequestMessage(HttpMethod.Get, fixture.Server.Admin);
        browser.Headers.Accept.ParseAdd("text/html");
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var redirect = await noRedirects.SendAsync(browser);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/ui", redirect.Headers.Location!.ToString());

        using var json = await Http.GetAsync(fixture.Server.Admin);
        Assert.Equal("application/json", json.Content.Headers.ContentType!.MediaType);
    }
}
