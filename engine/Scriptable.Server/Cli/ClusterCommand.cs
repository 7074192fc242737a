using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Scriptable.Server.Cli;

/// <summary>
/// <c>scriptable cluster status</c>: the cluster as a running node sees it, read from that node's admin endpoint
/// (<c>GET /cluster</c>): whether etcd is reachable, the live nodes, when each was last heard, the policies hash each
/// serves and which ones drift. It asks a node rather than etcd: the operator's machine needs no etcd credentials,
/// and only a node can say whether it is connected and when it last heard the others.
/// </summary>
internal static class ClusterCommand
{
    private static readonly string[] Header = ["NODE", "LAST HEARD", "POLICIES HASH", "VERSION", "STARTED", "DNS"];

    /// <summary>Creates <c>cluster</c> with its <c>status</c> sub-command.</summary>
    public static Command Create()
    {
        var admin = new Option<string?>("--admin")
        {
            Description = "The node's admin endpoint, such as http://127.0.0.1:5380 (default: Admin:Listen of the configuration).",
        };
        var config = new Option<string?>("--config", "-c") { Description = "A JSON configuration file (default: ./scriptable.json if present); its Admin section applies." };
        var status = new Command("status", "List the cluster's live nodes as a node sees them: etcd reachable or not, last heard, policies hash, drift. Exit 0 when etcd is reachable and no node drifts, 1 otherwise.")
        {
            admin, config,
        };
        status.SetAction(parse =>
        {
            var options = ToolConfiguration.Load(parse.GetValue(config), Console.Error);
            return options is null ? 2 : Run(parse.GetValue(admin) ?? options.Admin.Listen, options.Admin.Token, Console.Out, Console.Error);
        });
        return new Command("cluster", "Cluster mode (several nodes sharing overrides and health through etcd).") { status };
    }

    /// <summary>Reads and prints; returns the exit code (0 healthy, 1 etcd unreachable or drift, 2 the endpoint cannot be read).</summary>
    public static int Run(string admin, string? token, TextWriter output, TextWriter errors)
    {
        if (admin is "" or "off" || !Uri.TryCreate(admin.Contains("://", StringComparison.Ordinal) ? admin : "http://" + admin, UriKind.Absolute, out var baseUri)
            || baseUri.Scheme is not ("http" or "https"))
        {
            errors.WriteLine($"scriptable: '{admin}' is not an admin endpoint address such as http://127.0.0.1:5380 (--admin)");
            return 2;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "/cluster"));
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        JsonElement root;
        try
        {
            using var response = http.Send(request);
            if (!response.IsSuccessStatusCode)
            {
                errors.WriteLine($"scriptable: {request.RequestUri} answered {(int)response.StatusCode} {response.ReasonPhrase}{((int)response.StatusCode == 401 ? " (set the admin token: Admin:Token or SCRIPTABLE_Admin__Token)" : "")}");
                return 2;
            }

            using var stream = response.Content.ReadAsStream();
            root = JsonDocument.Parse(stream).RootElement.Clone();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            errors.WriteLine($"scriptable: {request.RequestUri} could not be read: {ex.Message}");
            return 2;
        }

        if (!root.GetProperty("enabled").GetBoolean())
        {
            output.WriteLine("cluster mode is off on this node (no Cluster:Etcd): it serves alone");
            return 0;
        }

        var connected = root.GetProperty("etcd").GetString() == "connected";
        var drift = root.GetProperty("drift").GetInt32();
        var nodes = root.GetProperty("nodes").EnumerateArray().ToList();
        output.WriteLine($"cluster '{root.GetProperty("prefix").GetString()}' as node '{root.GetProperty("node").GetString()}' sees it: etcd {root.GetProperty("etcd").GetString()}"
            + $" since {root.GetProperty("since").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}"
            + (connected ? "" : $" ({root.GetProperty("error").GetString()}; showing what it last knew)")
            + $"; {nodes.Count} node{(nodes.Count == 1 ? "" : "s")}, {drift} drifting");
        var rows = new List<string[]> { Header };
        foreach (var node in nodes)
        {
            rows.Add(
            [
                node.GetProperty("node").GetString() + (node.GetProperty("self").GetBoolean() ? " (this)" : ""),
                node.GetProperty("lastHeardSecondsAgo").GetDouble().ToString("0.0", CultureInfo.InvariantCulture) + " s ago",
                node.GetProperty("policiesHash").GetString() + (node.GetProperty("drift").GetBoolean() ? " DRIFT" : ""),
                node.GetProperty("version").GetString() ?? "",
                node.GetProperty("startedAt").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                string.Join(" ", node.GetProperty("dns").EnumerateArray().Select(d => d.GetString())),
            ]);
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }

        return connected && drift == 0 ? 0 : 1;
    }
}
