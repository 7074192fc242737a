using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Scriptable.Benchmarks;

/// <summary>
/// <c>reload</c> mode: saves a policy again and again against a running server and measures, for each save,
/// the time until the server answers with the new version (a UDP query every millisecond). Optionally
/// every K-th save is a syntax error, which must NOT change the answer. With <c>--pid</c>, it reports the
/// server's resident memory before and after. Loopback only.
/// <code>
/// reload --server 127.0.0.1:5305 --file DIR/example.com/www.csx --name www.example.com --saves 100 [--interval-ms 300] [--broken-every 10] [--pid PID]
/// </code>
/// With <c>--geo</c>, the file is a geo database instead: each save writes a generated database that puts
/// 81.2.69.0/24 in Europe or North America in turn (the geo-failover policy answers 198.51.100.20 or
/// 192.0.2.10), and queries carry ECS 81.2.69.160/27; a broken save writes garbage.
/// </summary>
internal static class ReloadLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string? fallback = null)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException($"{name} is required");
        }

        var server = IPEndPoint.Parse(Arg("--server"));
        if (!IPAddress.IsLoopback(server.Address))
        {
            await Console.Error.WriteLineAsync("reload: only loopback servers").ConfigureAwait(false);
            return 2;
        }

        var file = Arg("--file");
        var name = Arg("--name");
        var saves = int.Parse(Arg("--saves", "100"), CultureInfo.InvariantCulture);
        var interval = int.Parse(Arg("--interval-ms", "300"), CultureInfo.InvariantCulture);
        var brokenEvery = int.Parse(Arg("--broken-every", "0"), CultureInfo.InvariantCulture);
        var pid = int.Parse(Arg("--pid", "0"), CultureInfo.InvariantCulture);
        var geo = Array.IndexOf(args, "--geo") >= 0;
        var timeout = TimeSpan.FromSeconds(5);

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server);
        socket.ReceiveTimeout = 2;
        var query = BuildQuery(name, geo);
        var buffer = new byte[512];

        var latencies = new List<double>();
        var missed = 0;
        var brokenChanged = 0;
        var rssStart = Rss(pid);
        var rssSamples = new List<long>();
        var overall = Stopwatch.StartNew();
        for (var i = 1; i <= saves; i++)
        {
            var expected = geo ? (i % 2 == 0 ? "198.51.100.20" : "192.0.2.10") : Address(i);
            var broken = brokenEvery > 0 && i % brokenEvery == 0;
            var before = Ask(socket, query, buffer);
            if (geo)
            {
                SaveDatabase(file, broken ? null : i % 2 == 0 ? "EU" : "NA");
            }
            else
            {
                Save(file, broken ? $"return Answer.Address(\"{expected}\")  // missing semicolon\n" : $"return Answer.Address(\"{expected}\").WithTtl(1);\n");
            }
            var watch = Stopwatch.StartNew();
            if (broken)
            {
                // A broken save must leave the previous answer in place: watch it for a while.
                while (watch.ElapsedMilliseconds < interval)
                {
                    var now = Ask(socket, query, buffer);
                    if (now is not null && now != before)
                    {
                        brokenChanged++;
                        break;
                    }
                }

                continue;
            }

            var seen = false;
            while (watch.Elapsed < timeout)
            {
                if (Ask(socket, query, buffer) == expected)
                {
                    seen = true;
                    break;
                }

                Thread.Sleep(1);
            }

            if (seen)
            {
                latencies.Add(watch.Elapsed.TotalMilliseconds);
            }
            else
            {
                missed++;
            }

            Thread.Sleep(Math.Max(0, interval - (int)watch.ElapsedMilliseconds));
            if (pid > 0 && saves >= 10 && i % (saves / 10) == 0)
            {
                rssSamples.Add(Rss(pid));
            }
        }

        var rssEnd = Rss(pid);
        latencies.Sort();
        double Percentile(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
        var line = string.Create(CultureInfo.InvariantCulture,
            $"reload saves={saves} measured={latencies.Count} missed={missed} broken_changed_answer={brokenChanged} median_ms={Percentile(0.5):F1} p90_ms={Percentile(0.9):F1} max_ms={(latencies.Count > 0 ? latencies[^1] : double.NaN):F1} elapsed_s={overall.Elapsed.TotalSeconds:F0}");
        if (pid > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $" rss_start_mb={rssStart / 1024.0:F1} rss_end_mb={rssEnd / 1024.0:F1}");
            if (rssSamples.Count > 0)
            {
                // The resident memory after each tenth of the saves: flat means nothing leaks per reload.
                line += " rss_by_tenth_mb=" + string.Join('/', rssSamples.Select(k => (k / 1024.0).ToString("F0", CultureInfo.InvariantCulture)));
            }
        }

        Console.WriteLine(line);
        return missed == 0 && brokenChanged == 0 ? 0 : 1;
    }

    /// <summary>A distinct benchmark-range address (RFC 2544, 198.18.0.0/15) per save.</summary>
    private static string Address(int i) => $"198.18.{(i >> 8) & 255}.{i & 255}";

    /// <summary>Writes the file as editors do: a temporary file renamed over it.</summary>
    private static void Save(string file, string text)
    {
        var temp = file + ".tmp~";
        File.WriteAllText(temp, text);
        File.Move(temp, file, overwrite: true);
    }

    /// <summary>Writes a database placing 81.2.69.0/24 on a continent (null: garbage), renamed over the file.</summary>
    private static void SaveDatabase(string file, string? continent)
    {
        var temp = file + ".tmp~";
        if (continent is null)
        {
            File.WriteAllBytes(temp, [0xDE, 0xAD, 0xBE, 0xEF]);
        }
        else
        {
            new TestCommon.Mmdb.MmdbWriter(databaseType: "GeoIP2-City")
                .Insert("81.2.69.0/24", TestCommon.Mmdb.TestGeo.City(continent == "EU" ? "GB" : "US", continent))
                .Write(temp);
        }

        File.Move(temp, file, overwrite: true);
    }

    /// <summary>The first A record of the answer, or null (timeout, no A).</summary>
    private static string? Ask(Socket socket, byte[] query, byte[] buffer)
    {
        try
        {
            socket.Send(query);
            var length = socket.Receive(buffer);
            // Header (12), question (the query's, without its OPT), then the first answer: name pointer (2) type class ttl rdlength (10) rdata.
            var at = QuestionEnd(query);
            if (length < at + 16 || BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(6)) == 0 || BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(at + 2)) != 1)
            {
                return null;
            }

            return new IPAddress(buffer.AsSpan(at + 12, 4)).ToString();
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static byte[] BuildQuery(string name, bool ecs)
    {
        var bytes = new List<byte> { 0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, (byte)(ecs ? 1 : 0) };
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange([0, 0, 1, 0, 1]);
        if (ecs)
        {
            // OPT with ECS 81.2.69.160/27: family 1, source 27, scope 0, four address octets.
            bytes.AddRange([0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 12, 0, 8, 0, 8, 0, 1, 27, 0, 81, 2, 69, 160]);
        }

        return [.. bytes];
    }

    private static int QuestionEnd(byte[] query)
    {
        var at = 12;
        while (query[at] != 0)
        {
            at += query[at] + 1;
        }

        return at + 5;
    }

    /// <summary>Resident memory of a process in KiB (VmRSS), 0 if unknown.</summary>
    private static long Rss(int pid)
    {
        if (pid <= 0)
        {
            return 0;
        }

        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
