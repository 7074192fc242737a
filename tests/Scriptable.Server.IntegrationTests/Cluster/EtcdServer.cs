using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests.Cluster;

/// <summary>
/// A real etcd (Debian etcd-server, the v3 API) on loopback ports picked here, each member with a temporary data
/// directory: one member, or three (<see cref="ThreeMemberEtcd"/>). A member can be killed and started again on the
/// same ports and data; every member is killed on dispose. One per test class (an
/// <see cref="Xunit.IClassFixture{TFixture}"/>): tests keep apart by cluster name.
/// </summary>
public class EtcdServer : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly string _directory = Directory.CreateTempSubdirectory("scriptable-etcd-").FullName;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Member[] _members;
    private readonly string _token = "t" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Starts a single member (when etcd is installed; tests skip otherwise) and waits until it answers.</summary>
    public EtcdServer()
        : this(1)
    {
    }

    /// <summary>Starts <paramref name="count"/> members forming one cluster, and waits until each is healthy.</summary>
    protected EtcdServer(int count)
    {
        _members = [.. Enumerable.Range(0, count).Select(i => new Member($"m{i}", FreePorts.Next(), FreePorts.Next()))];
        if (ExternalTool.Find("etcd") is null)
        {
            return;
        }

        foreach (var member in _members)
        {
            Launch(member);
        }

        foreach (var member in _members)
        {
            WaitHealthy(member);
        }
    }

    /// <summary>The first member's client URL.</summary>
    public string Url => _members[0].Url;

    /// <summary>Every member's client URL, for <c>Cluster:Etcd</c>.</summary>
    public IReadOnlyList<string> Urls => [.. _members.Select(m => m.Url)];

    /// <summary>Starts every stopped member on its ports and data directory, and waits until each is healthy (10 s at most).</summary>
    public void Start()
    {
        var started = _members.Where(m => m.Process is null).ToList();
        foreach (var member in started)
        {
            Launch(member);
        }

        foreach (var member in started)
        {
            WaitHealthy(member);
        }
    }

    /// <summary>Kills every member (as a crash would) and waits for them to be gone.</summary>
    public void Stop()
    {
        foreach (var member in _members)
        {
            Kill(member);
        }
    }

    /// <summary>Kills the member that leads the cluster now (asked of each member with etcdctl); returns its client URL.</summary>
    public async Task<string> KillLeaderAsync()
    {
        var (exit, output, error) = await ExternalTool.RunAsync("etcdctl", ["--endpoints", string.Join(",", Urls), "endpoint", "status", "-w", "json"],
            environment: new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
        Assert.True(exit == 0, output + error);
        foreach (var status in JsonDocument.Parse(output).RootElement.EnumerateArray())
        {
            var self = status.GetProperty("Status").GetProperty("header").GetProperty("member_id").GetUInt64();
            if (self == status.GetProperty("Status").GetProperty("leader").GetUInt64())
            {
                var url = status.GetProperty("Endpoint").GetString()!;
                Kill(_members.Single(m => m.Url == url));
                return url;
            }
        }

        throw new InvalidOperationException("no member says it leads: " + output);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }

    private void Launch(Member member)
    {
        var initial = string.Join(",", _members.Select(m => $"{m.Name}=http://127.0.0.1:{m.PeerPort}"));
        var start = new ProcessStartInfo(ExternalTool.Require("etcd"))
        {
            ArgumentList =
            {
                "--name", member.Name, "--data-dir", Path.Combine(_directory, member.Name),
                "--listen-client-urls", member.Url, "--advertise-client-urls", member.Url,
                "--listen-peer-urls", $"http://127.0.0.1:{member.PeerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{member.PeerPort}",
                "--initial-cluster", initial, "--initial-cluster-token", _token, "--initial-cluster-state", "new",
                // Loopback: elections in a fraction of a second instead of the default 1 s timeout.
                "--heartbeat-interval", "50", "--election-timeout", "500",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        member.Process = process;
    }

    private void WaitHealthy(Member member)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10) && member.Process is { HasExited: false })
        {
            try
            {
                if (Http.GetStringAsync(new Uri(member.Url + "/health")).GetAwaiter().GetResult().Contains("true", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or no leader yet.
            }

            Thread.Sleep(50);
        }

        throw new InvalidOperationException($"etcd member {member.Name} did not start ({(member.Process!.HasExited ? $"exited with {member.Process.ExitCode}" : "no health in 10 s")}): {string.Join(" | ", _output.TakeLast(20))}");
    }

    private static void Kill(Member member)
    {
        if (member.Process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }

        member.Process?.Dispose();
        member.Process = null;
    }

    private sealed class Member(string name, int port, int peerPort)
    {
        public string Name { get; } = name;

        public int PeerPort { get; } = peerPort;

        public string Url { get; } = $"http://127.0.0.1:{port}";

        public Process? Process { get; set; }
    }
}

/// <summary>A three-member etcd cluster on loopback, for the failure tests (a member, the leader, killed).</summary>
public sealed class ThreeMemberEtcd : EtcdServer
{
    /// <summary>Starts the three members.</summary>
    public ThreeMemberEtcd()
        : base(3)
    {
    }
}
