using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Scriptable.TestCommon;

/// <summary>
/// A small Chrome DevTools Protocol client over one page target's WebSocket (System.Net.WebSockets): commands
/// with their replies, the page's load event, and every error the page reports (console.error and asserts,
/// uncaught exceptions, browser log entries at level error such as failed resource loads). Enough to drive a
/// page in headless Chromium the way a user would: navigate, type, click, read, capture.
/// </summary>
public sealed class CdpClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
    private TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextId;

    private CdpClient()
    {
    }

    /// <summary>What the page reported as errors so far, in order.</summary>
    public IReadOnlyList<string> Errors => [.. _errors];

    /// <summary>Forgets the errors reported so far (before a step that is expected to make some).</summary>
    public void ClearErrors() => _errors.Clear();

    /// <summary>Connects to a page target's debugger URL and enables the Runtime, Log and Page domains.</summary>
    public static async Task<CdpClient> ConnectAsync(Uri webSocketDebuggerUrl, CancellationToken cancellationToken = default)
    {
        var client = new CdpClient();
        client._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await client._socket.ConnectAsync(webSocketDebuggerUrl, cancellationToken);
        client._receiving = client.ReceiveAsync();
        await client.SendAsync("Runtime.enable");
        await client.SendAsync("Log.enable");
        await client.SendAsync("Page.enable");
        return client;
    }

    /// <summary>Sends a command and returns its result; a protocol error throws.</summary>
    public async Task<JsonElement> SendAsync(string method, object? parameters = null, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var message = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters ?? new { } });
        await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, _stop.Token);
        var result = await reply.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(15));
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"CDP {method} failed: {error}");
        }

        return result.GetProperty("result");
    }

    /// <summary>Opens <paramref name="url"/> and waits for its load event.</summary>
    public async Task NavigateAsync(Uri url)
    {
        _loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var result = await SendAsync("Page.navigate", new { url = url.ToString() });
        if (result.TryGetProperty("errorText", out var errorText))
        {
            throw new InvalidOperationException($"Navigating to {url} failed: {errorText}");
        }

        await _loaded.Task.WaitAsync(TimeSpan.FromSeconds(15));
    }

    /// <summary>Evaluates a JavaScript expression in the page (promises awaited) and returns its value as JSON.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (result.TryGetProperty("exceptionDetails", out var exception))
        {
            throw new InvalidOperationException($"'{expression}' threw: {exception}");
        }

        return result.GetProperty("result").TryGetProperty("value", out var value) ? value.Clone() : default;
    }

    /// <summary>Evaluates <paramref name="expression"/> until it is true; throws with <paramref name="what"/> after the deadline.</summary>
    public async Task<TimeSpan> WaitUntilAsync(string expression, TimeSpan deadline, string what)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var value = await EvaluateAsync(expression);
            if (value.ValueKind == JsonValueKind.True)
            {
                return watch.Elapsed;
            }

            if (watch.Elapsed > deadline)
            {
                throw new TimeoutException($"{what}: '{expression}' still not true after {deadline.TotalSeconds:F1} s");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Types text into the element <paramref name="selector"/> names, as a keyboard would (focus, then input).</summary>
    public async Task TypeAsync(string selector, string text)
    {
        await EvaluateAsync($"document.querySelector({JsonSerializer.Serialize(selector)}).focus()");
        await SendAsync("Input.insertText", new { text });
    }

    /// <summary>Clicks the middle of the element <paramref name="selector"/> names with the mouse (pressed, released).</summary>
    public async Task ClickAsync(string selector)
    {
        var box = await EvaluateAsync(
            $"(() => {{ const e = document.querySelector({JsonSerializer.Serialize(selector)}); if (!e) return null; e.scrollIntoView({{block: 'center'}}); " +
            "const r = e.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()");
        if (box.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"Nothing in the page matches '{selector}'.");
        }

        var x = box.GetProperty("x").GetDouble();
        var y = box.GetProperty("y").GetDouble();
        await SendAsync("Input.dispatchMouseEvent", new { type = "mouseMoved", x, y });
        await SendAsync("Input.dispatchMouseEvent", new { type = "mousePressed", x, y, button = "left", clickCount = 1 });
        await SendAsync("Input.dispatchMouseEvent", new { type = "mouseReleased", x, y, button = "left", clickCount = 1 });
    }

    /// <summary>A PNG of the page as shown (the viewport set with <paramref name="width"/> by <paramref name="height"/> CSS pixels).</summary>
    public async Task<byte[]> ScreenshotAsync(int width, int height)
    {
        await SendAsync("Emulation.setDeviceMetricsOverride", new { width, height, deviceScaleFactor = 1, mobile = false });
        var result = await SendAsync("Page.captureScreenshot", new { format = "png", captureBeyondViewport = false });
        return Convert.FromBase64String(result.GetProperty("data").GetString()!);
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var part = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (part.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage)
                {
                    continue;
                }

                Dispatch(message.ToArray());
                message.SetLength(0);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new InvalidOperationException("The browser closed the DevTools connection."));
            }
        }
    }

    private void Dispatch(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.TryGetProperty("id", out var id))
        {
            if (_pending.TryRemove(id.GetInt32(), out var reply))
            {
                reply.TrySetResult(root.Clone());
            }

            return;
        }

        var method = root.GetProperty("method").GetString();
        var parameters = root.TryGetProperty("params", out var p) ? p : default;
        switch (method)
        {
            case "Page.loadEventFired":
                _loaded.TrySetResult();
                break;
            case "Runtime.consoleAPICalled" when parameters.GetProperty("type").GetString() is "error" or "assert":
                _errors.Enqueue("console." + parameters.GetProperty("type").GetString() + ": " + Describe(parameters.GetProperty("args")));
                break;
            case "Runtime.exceptionThrown":
                _errors.Enqueue("exception: " + parameters.GetProperty("exceptionDetails").ToString());
                break;
            case "Log.entryAdded" when parameters.GetProperty("entry").GetProperty("level").GetString() == "error":
                var entry = parameters.GetProperty("entry");
                _errors.Enqueue("log: " + entry.GetProperty("text").GetString() + (entry.TryGetProperty("url", out var url) ? " (" + url.GetString() + ")" : ""));
                break;
        }
    }

    private static string Describe(JsonElement args)
    {
        var text = new StringBuilder();
        foreach (var arg in args.EnumerateArray())
        {
            text.Append(arg.TryGetProperty("value", out var value) ? value.ToString() : arg.TryGetProperty("description", out var d) ? d.GetString() : arg.ToString()).Append(' ');
        }

        return text.ToString().TrimEnd();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var close = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", close.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }

        await _stop.CancelAsync();
        try
        {
            await _receiving;
        }
        catch (OperationCanceledException)
        {
        }

        _socket.Dispose();
        _stop.Dispose();
    }
}
