using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Health;

namespace Scriptable.Benchmarks;

/// <summary>
/// <c>health</c> mode (not BenchmarkDotNet): what N health checks cost. It starts a child process holding a few
/// loopback listeners (many checks share a port), runs a <see cref="HealthMonitor"/> with N checks against
/// them for a bounded time, and reports probes per second and this process's CPU time per second (the
/// listeners' CPU is the child's and reported apart). Loopback only.
/// <code>
/// health --targets 10000 --interval 5s --duration 60s [--kind tcp|http] [--ports 8] [--concurrency 256] [--refused]
/// </code>
/// With <c>--refused</c>, every other check targets a closed port: half the checks go down together, which
/// shows the cost of state changes and the pacing of published maps.
/// The child is this program in <c>health-listen</c> mode: it prints its ports and serves until its
/// standard input closes.
/// </summary>
internal static class HealthLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        var targets = int.Parse(Arg("--targets", "10000"), CultureInfo.InvariantCulture);
        var kind = Arg("--kind", "tcp");
        var ports = int.Parse(Arg("--ports", "8"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Arg("--concurrency", "256"), CultureInfo.InvariantCulture);
        var refused = Array.IndexOf(args, "--refused") >= 0;
        if (!HealthDuration.TryParse(Arg("--interval", "5s"), out var interval) || !HealthDuration.TryParse(Arg("--duration", "60s"), out var duration)
            || kind is not ("tcp" or "http") || targets < 1 || ports < 1 || duration > TimeSpan.FromMinutes(10))
        {
            await Console.Error.WriteLineAsync("health: --targets N --interval 5s --duration 60s (at most 10m) [--kind tcp|http] [--ports 8] [--concurrency 256] [--refused]").ConfigureAwait(false);
            return 2;
        }

        using var child = StartListeners(kind, ports, out var listening);
        try
        {
            var timeout = TimeSpan.FromMilliseconds(Math.Min(2000, interval.TotalMilliseconds * 0.4));
            var closed = ClosedPort();
            var checks = new List<HealthCheckConfig>(targets);
            for (var i = 0; i < targets; i++)
            {
                // --refused: every other check targets a closed port, so half the states change (all at once).
                var port = refused && i % 2 == 1 ? closed : listening[i % listening.Count];
                HealthProbeConfig probe = kind == "tcp"
                    ? new TcpProbeConfig("127.0.0.1", port)
                    : new HttpProbeConfig(new Uri($"http://127.0.0.1:{port}/health/{i}"));
                checks.Add(new HealthCheckConfig("c" + i.ToString(CultureInfo.InvariantCulture), probe, interval, timeout));
            }

            var publishes = 0;
            await using var monitor = new HealthMonitor(NullLogger.Instance, TimeProvider.System, _ => Interlocked.Increment(ref publishes),
                new HealthMonitorOptions { MaxConcurrentProbes = concurrency });
            var self = Process.GetCurrentProcess();
            Console.WriteLine($"health: {targets} {kind} checks on {listening.Count} loopback ports, interval {Arg("--interval", "5s")}, timeout {HealthDuration.Format(timeout)}, " +
                $"at most {concurrency} probes in flight, {Arg("--duration", "60s")}; .NET {Environment.Version}, {Environment.ProcessorCount} cores");

            monitor.Apply(new HealthConfig(checks, []));

            // The first interval spreads the first probes; measure the steady state after it (with --refused, the
            // checks go down during the first three intervals: measure them).
            if (!refused)
            {
                await Task.Delay(interval).ConfigureAwait(false);
            }

            var report = TimeSpan.FromSeconds(10);
            var start = Sample(monitor, self, child);
            var previous = start;
            var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < end)
            {
                var wait = TimeSpan.FromSeconds(Math.Min(report.TotalSeconds, (end - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait).ConfigureAwait(false);
                }

                var now = Sample(monitor, self, child);
                Print("  ", previous, now);
                previous = now;
            }

            Print("total", start, previous);
            var statuses = monitor.Statuses;
            var up = statuses.Count(s => s.State == Scriptable.Policies.HealthState.Up);
            Console.WriteLine($"states: {up} up, {statuses.Count - up} down; {statuses.Sum(s => s.Failures)} failed probes; {publishes} maps published; " +
                $"GC: {GC.CollectionCount(0)} gen0, {GC.CollectionCount(1)} gen1, {GC.CollectionCount(2)} gen2; working set {self.WorkingSet64 / (1 << 20)} MiB");
            foreach (var reason in statuses.Where(s => s.Failures > 0).GroupBy(s => s.Reason).OrderByDescending(g => g.Count()).Take(3))
            {
                Console.WriteLine($"  {reason.Count()} checks last failed with: {reason.Key}");
            }

            return 0;
        }
        finally
        {
            child.StandardInput.Close();
            if (!child.WaitForExit(5000))
            {
                child.Kill();
            }
        }
    }

    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static Process StartListeners(string kind, int ports, out List<int> listening)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(HealthLoad).Assembly.Location);
        }

        foreach (var arg in (string[])["health-listen", "--kind", kind, "--ports", ports.ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(arg);
        }

        var child = Process.Start(start)!;
        var line = child.StandardOutput.ReadLine() ?? throw new InvalidOperationException("health-listen did not start");
        listening = [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
        return child;
    }

    private readonly record struct Reading(long Timestamp, TimeSpan Cpu, TimeSpan ChildCpu, long Probes, long Failures);

    private static Reading Sample(HealthMonitor monitor, Process self, Process child)
    {
        self.Refresh();
        child.Refresh();
        long probes = 0;
        long failures = 0;
        foreach (var status in monitor.Statuses)
        {
            probes += status.Probes;
            failures += status.Failures;
        }

        return new Reading(Stopwatch.GetTimestamp(), self.TotalProcessorTime, child.TotalProcessorTime, probes, failures);
    }

    private static void Print(string label, Reading from, Reading to)
    {
        var seconds = (to.Timestamp - from.Timestamp) / (double)Stopwatch.Frequency;
        var cpu = (to.Cpu - from.Cpu).TotalSeconds / seconds;
        var childCpu = (to.ChildCpu - from.ChildCpu).TotalSeconds / seconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label} {seconds,5:0.0} s: {(to.Probes - from.Probes) / seconds,7:0} probes/s, {(to.Failures - from.Failures) / seconds,5:0} failures/s, " +
            $"monitor CPU {cpu:0.000} s/s ({cpu * 100:0.0}% of one core), listeners CPU {childCpu:0.000} s/s"));
    }

    /// <summary><c>health-listen</c> mode: loopback listeners that accept and close (tcp) or answer 200 (http).</summary>
    public static async Task<int> ListenAsync(string[] args)
    {
        var i = Array.IndexOf(args, "--ports");
        var ports = i >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : 8;
        var http = Array.IndexOf(args, "http") >= 0;
        using var stop = new CancellationTokenSource();
        var listeners = new List<Socket>();
        var loops = new List<Task>();
        for (var p = 0; p < ports; p++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            socket.Listen(4096);
            listeners.Add(socket);
            for (var a = 0; a < 2; a++)
            {
                loops.Add(AcceptAsync(socket, http, stop.Token));
            }
        }

        Console.WriteLine(string.Join(' ', listeners.Select(l => ((IPEndPoint)l.LocalEndPoint!).Port)));
        Console.Out.Flush();

        // Serve until the parent closes our standard input (or dies).
        await Console.In.ReadToEndAsync(CancellationToken.None).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        listeners.ForEach(l => l.Dispose());
        return 0;
    }

    private static async Task AcceptAsync(Socket listener, bool http, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                continue;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            if (http)
            {
                _ = ServeHttpAsync(client, cancellationToken);
            }
            else
            {
                client.Dispose();
            }
        }
    }

    private static readonly byte[] Response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok");

    private static async Task ServeHttpAsync(Socket client, CancellationToken cancellationToken)
    {
        using var _ = client;
        var buffer = new byte[4096];
        var matched = 0;
        try
        {
            while (true)
            {
                var read = await client.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                // Requests have no body: each "\r\n\r\n" ends one.
                for (var b = 0; b < read; b++)
                {
                    matched = buffer[b] == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : buffer[b] == '\r' ? 1 : 0;
                    if (matched == 4)
                    {
                        matched = 0;
                        await client.SendAsync(Response, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
