using System.Net.Http.Headers;
using System.Text.Json;
using Scriptable.Policies;

namespace Scriptable.Server.Cli;

/// <summary>
/// The health states a running server sees, read from its admin endpoint (<c>GET /health</c>), for
/// <c>scriptable query --live</c>: the answer the server would give now, explained.
/// </summary>
internal static class LiveHealth
{
    /// <summary>
    /// Each check's and group's state (overrides applied), or null after adding why to <paramref name="errors"/>; in
    /// cluster mode each check's vote goes into <paramref name="votes"/>.
    /// </summary>
    public static Dictionary<string, HealthState>? Read(string admin, string? token, List<string> errors, Dictionary<string, string>? votes = null)
    {
        if (!Uri.TryCreate(admin.Contains("://", StringComparison.Ordinal) ? admin : "http://" + admin, UriKind.Absolute, out var baseUri)
            || baseUri.Scheme is not ("http" or "https"))
        {
            errors.Add($"--live '{admin}' is not an admin endpoint address such as http://127.0.0.1:5380");
            return null;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "/health"));
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        try
        {
            using var response = http.Send(request);
            if (!response.IsSuccessStatusCode)
            {
                errors.Add($"--live: {request.RequestUri} answered {(int)response.StatusCode} {response.ReasonPhrase}{((int)response.StatusCode == 401 ? " (set the admin token: Admin:Token or SCRIPTABLE_Admin__Token)" : "")}");
                return null;
            }

            using var stream = response.Content.ReadAsStream();
            using var document = JsonDocument.Parse(stream);
            var states = new Dictionary<string, HealthState>(StringComparer.Ordinal);
            foreach (var check in document.RootElement.GetProperty("checks").EnumerateArray())
            {
                var name = check.GetProperty("name").GetString();
                var state = check.GetProperty("state").GetString();
                if (name is not null && Enum.TryParse<HealthState>(state, ignoreCase: true, out var parsed))
                {
                    states[name] = parsed;
                    if (votes is not null && check.TryGetProperty("vote", out var vote) && vote.ValueKind == JsonValueKind.String)
                    {
                        votes[name] = vote.GetString()!;
                    }
                }
            }

            return states;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            errors.Add($"--live: {request.RequestUri} could not be read: {ex.Message}");
            return null;
        }
    }
}
