using Scriptable.TestCommon;
using System.Net;
using System.Net.Sockets;
using Scriptable.Engine.Health;
using Scriptable.Engine.Health.Probes;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Tests.Health;

/// <summary>
/// What every prober must do, against real backends on 127.0.0.1: pass a healthy target (again and again:
/// probers are reused), fail an unhealthy one with a short exact reason (returned, or thrown and described),
/// and stop when its token fires.
/// </summary>
public abstract class ProberContractTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _backends = [];

    private protected abstract IHealthProber Passing();

    private protected abstract IHealthProber Failing();

    /// <summary>A prober whose target never answers.</summary>
    private protected abstract Task<IHealthProber> HangingAsync();

    protected abstract string PassingReason { get; }

    protected abstract string FailingReason { get; }

    protected T Backend<T>(T backend)
        where T : IAsyncDisposable
    {
        _backends.Add(backend);
        return backend;
    }

    [Fact]
    public async Task Passing_SucceedsEveryTime()
    {
        var prober = Passing();
        for (var i = 0; i < 3; i++)
        {
            var result = await Outcome(prober);
            Assert.True(result.Success, result.Reason);
            Assert.Equal(PassingReason, result.Reason);
        }
    }

    [Fact]
    public async Task Failing_FailsWithShortReason()
    {
        var result = await Outcome(Failing());

        Assert.False(result.Success);
        Assert.Equal(FailingReason, result.Reason);
    }

    [Fact]
    public async Task Hanging_StopsWhenCancelled()
    {
        var prober = await HangingAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await prober.ProbeAsync(cancel.Token));
    }

    /// <summary>The result, or the failure a thrown exception means (as the monitor reports it).</summary>
    internal static async Task<ProbeResult> Outcome(IHealthProber prober, CancellationToken cancellationToken = default)
    {
        try
        {
            return await prober.ProbeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ProbeResult.Fail(ProbeErrors.Describe(ex));
        }
    }

    /// <summary>A port nothing listens on (bound, then closed).</summary>
    public static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }
    }
}

public sealed class HttpProberTests : ProberContractTests
{
    private readonly HttpProbeClients _clients = new(TimeSpan.FromSeconds(10));

    protected override string PassingReason => "HTTP 200";

    protected override string FailingReason => "HTTP 503";

    private protected override IHealthProber Passing() => Http(Backend(new TestHttpServer()).Url);

    private protected override IHealthProber Failing() => Http(Backend(new TestHttpServer(_ => new TestResponse(503))).Url);

    private protected override Task<IHealthProber> HangingAsync() => Task.FromResult(Http(Backend(new TestHttpServer(_ => TestResponse.Hang)).Url));

    private IHealthProber Http(string url, string? body = null) =>
        new HttpProber(new HttpProbeConfig(new Uri(url), Body: body), _clients.For(true), 64 * 1024);

    [Fact]
    public async Task Refused_ConnectionRefused()
    {
        var result = await Outcome(Http($"http://127.0.0.1:{ClosedPort()}/health"));

        Assert.Equal(ProbeResult.Fail("connection refused"), result);
    }

    [Fact]
    public async Task Redirect_NotFollowed_StatusCounts()
    {
        var server = Backend(new TestHttpServer(r => r.Path == "/health" ? new TestResponse(302) : new TestResponse(503)));
        var within = new HttpProber(new HttpProbeConfig(new Uri(server.Url)), _clients.For(true), 1024);
        var strict = new HttpProber(new HttpProbeConfig(new Uri(server.Url), ExpectMin: 200, ExpectMax: 299), _clients.For(true), 1024);

        Assert.Equal(ProbeResult.Ok("HTTP 302"), await Outcome(within));
        Assert.Equal(ProbeResult.Fail("HTTP 302"), await Outcome(strict));
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task Body_SubstringRequired()
    {
        var server = Backend(new TestHttpServer(_ => new TestResponse(200, "status: ok, 3 workers")));

        Assert.Equal(ProbeResult.Ok("HTTP 200"), await Outcome(Http(server.Url, "ok, 3")));
        Assert.Equal(ProbeResult.Fail("HTTP 200 without 'ready' in the body"), await Outcome(Http(server.Url, "ready")));
    }

    [Fact]
    public async Task Host_HeaderSent()
    {
        var server = Backend(new TestHttpServer());
        var prober = new HttpProber(new HttpProbeConfig(new Uri(server.Url), "HEAD", "www.example.org"), _clients.For(true), 1024);

        Assert.True((await Outcome(prober)).Success);
        var request = Assert.Single(server.Received);
        Assert.Equal(("HEAD", "/health", "www.example.org"), (request.Method, request.Path, request.Host));
    }

    [Fact]
    public async Task Tls_SelfSigned_VerifyFalsePasses_VerifyTrueFails()
    {
        var server = Backend(new TestHttpServer(tls: true));
        var trusting = new HttpProber(new HttpProbeConfig(new Uri(server.Url), TlsVerify: false), _clients.For(false), 1024);
        var verifying = new HttpProber(new HttpProbeConfig(new Uri(server.Url)), _clients.For(true), 1024);

        Assert.Equal(ProbeResult.Ok("HTTP 200"), await Outcome(trusting));
        var refused = await Outcome(verifying);
        Assert.False(refused.Success);
        Assert.StartsWith("TLS: ", refused.Reason, StringComparison.Ordinal);
        Assert.Contains("certificate", refused.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, server.Requests);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _clients.Dispose();
    }
}

public sealed class TcpProberTests : ProberContractTests
{
    protected override string PassingReason => "connected";

    protected override string FailingReason => "connection refused";

    private protected override IHealthProber Passing() => new TcpProber(new TcpProbeConfig("127.0.0.1", Backend(new TestHttpServer()).Port));

    private protected override IHealthProber Failing() => new TcpProber(new TcpProbeConfig("127.0.0.1", ClosedPort()));

    private protected override async Task<IHealthProber> HangingAsync()
    {
        // A listener that never accepts, its queue filled: the kernel drops further SYNs, so connect hangs.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(0);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var fillers = Backend(new Fillers(listener));
        for (var i = 0; i < 16; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            fillers.Sockets.Add(socket);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), wait.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return new TcpProber(new TcpProbeConfig("127.0.0.1", port));
    }

    [Fact]
    public async Task HostName_Resolved()
    {
        var server = Backend(new TestHttpServer());

        Assert.Equal(ProbeResult.Ok("connected"), await Outcome(new TcpProber(new TcpProbeConfig("localhost", server.Port))));
    }

    private sealed class Fillers(TcpListener listener) : IAsyncDisposable
    {
        public List<Socket> Sockets { get; } = [];

        public ValueTask DisposeAsync()
        {
            Sockets.ForEach(s => s.Dispose());
            listener.Stop();
            return ValueTask.CompletedTask;
        }
    }
}

public sealed class DnsProberTests : ProberContractTests
{
    protected override string PassingReason => "NOERROR, 1 answer";

    protected override string FailingReason => "SERVFAIL";

    private protected override IHealthProber Passing() => Dns(Backend(new TestDnsServer()).Port);

    private protected override IHealthProber Failing() => Dns(Backend(new TestDnsServer(DnsBehaviour.ServFail)).Port);

    private protected override Task<IHealthProber> HangingAsync() => Task.FromResult<IHealthProber>(Dns(Backend(new TestDnsServer(DnsBehaviour.Silent)).Port));

    private static DnsProber Dns(int port, string host = "127.0.0.1") => new(new DnsProbeConfig(host, port, "www.example.org", RecordType.A));

    [Fact]
    public async Task NoData_Fails()
    {
        Assert.Equal(ProbeResult.Fail("NOERROR without answers"), await Outcome(Dns(Backend(new TestDnsServer(DnsBehaviour.NoData)).Port)));
    }

    [Fact]
    public async Task WrongId_Ignored_RightReplyCounts()
    {
        Assert.Equal(ProbeResult.Ok("NOERROR, 1 answer"), await Outcome(Dns(Backend(new TestDnsServer(DnsBehaviour.WrongIdFirst)).Port)));
    }

    [Fact]
    public async Task ClosedPort_PortUnreachable()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        socket.Dispose();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        Assert.Equal(ProbeResult.Fail("port unreachable"), await Outcome(Dns(port), cancel.Token));
    }
}

public sealed class CommandProberTests : ProberContractTests
{
    protected override string PassingReason => "exit 0";

    protected override string FailingReason => "exit 3";

    private protected override IHealthProber Passing() => Command("/bin/true");

    private protected override IHealthProber Failing() => Command("/bin/sh", "-c", "echo; echo 'disk full' >&2; echo more >&2; exit 3");

    private protected override Task<IHealthProber> HangingAsync() => Task.FromResult<IHealthProber>(Command("/bin/sh", "-c", "sleep 10"));

    private static CommandProber Command(params string[] command) => new(new CommandProbeConfig(command), TestCommands.System);

    private static CommandProber Command(CommandCheckPolicy policy, params string[] command) => new(new CommandProbeConfig(command), policy);

    [Fact]
    public async Task False_Exit1()
    {
        Assert.Equal(ProbeResult.Fail("exit 1"), await Outcome(Command("/bin/false")));
    }

    [Fact]
    public async Task Arguments_PassedWithoutShell()
    {
        // No shell: '$HOME' and ';' reach the program as they are.
        Assert.Equal(ProbeResult.Ok("exit 0", "$HOME; x"), await Outcome(Command("/bin/echo", "$HOME;", "x")));
    }

    /// <summary>The first line of output is the probe's output, apart from its reason (which policies and everyone see).</summary>
    [Fact]
    public async Task Output_KeptApartFromTheReason()
    {
        var result = await Outcome(Failing());

        Assert.Equal(ProbeResult.Fail("exit 3", "disk full"), result);
        Assert.Equal("exit 3: disk full", result.Describe());
    }

    [Fact]
    public async Task Missing_CannotRun()
    {
        var result = await Outcome(Command("/usr/bin/scriptable-no-such-check"));

        Assert.Equal(ProbeResult.Fail("cannot run '/usr/bin/scriptable-no-such-check': it does not exist"), result);
    }

    /// <summary>
    /// What the operator's policy refuses is not run, whatever health.yaml says: off, a relative name, a program
    /// outside the allowed folders, or a link in an allowed folder to a program outside them.
    /// </summary>
    [Theory]
    [InlineData("off", "not run: command checks are off")]
    [InlineData("relative", "not run: 'touch' is not an absolute path")]
    [InlineData("dot-dot", "not run: '/bin/../usr/bin/touch' is not an absolute path")]
    [InlineData("outside", "may not run: it is not a program in the folders the server's configuration allows")]
    [InlineData("link out", "may not run: it is not a program in the folders the server's configuration allows")]
    public async Task NotAllowed_NotRun(string what, string reason)
    {
        using var allowed = new TempFolder();
        using var other = new TempFolder();
        var marker = Path.Combine(other.Path, "ran");
        File.CreateSymbolicLink(Path.Combine(allowed.Path, "touch"), "/usr/bin/touch");
        var policy = what == "off" ? CommandCheckPolicy.Off : new CommandCheckPolicy { Enabled = true, Directories = [allowed.Path] };
        var program = what switch
        {
            "relative" => "touch",
            "dot-dot" => "/bin/../usr/bin/touch",
            "outside" => "/usr/bin/touch",
            _ => Path.Combine(allowed.Path, "touch"),
        };

        var result = await Outcome(Command(policy, program, marker));

        Assert.False(result.Success);
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(marker), "the program ran");
    }

    /// <summary>A clean environment (nothing of the server's: only PATH) and the policy's working directory.</summary>
    [Fact]
    public async Task Environment_CleanAndWorkingDirectoryFixed()
    {
        using var work = new TempFolder();
        Environment.SetEnvironmentVariable("SCRIPTABLE_TEST_SECRET", "leaked");
        var policy = TestCommands.System with { WorkingDirectory = work.Path };

        var result = await Outcome(Command(policy, "/bin/sh", "-c", "echo \"[$SCRIPTABLE_TEST_SECRET] [$HOME] $PATH $(pwd)\""));

        Assert.Equal(ProbeResult.Ok("exit 0", $"[] [] /usr/local/bin:/usr/bin:/bin {work.Path}"), result);
    }

    /// <summary>
    /// No new privileges (setuid programs gain nothing), and, when the server is root and the policy names a user,
    /// that user with no supplementary groups; otherwise the server's own user.
    /// </summary>
    [Fact]
    public async Task User_DroppedWhenRoot_NoNewPrivileges()
    {
        var policy = TestCommands.System with { User = "nobody" };
        var expected = Environment.IsPrivilegedProcess ? "65534 65534 65534" : Id("-u") + " " + Id("-g") + " ";

        var ids = await Outcome(Command(policy, "/bin/sh", "-c", "echo \"$(id -u) $(id -g) $(id -G | tr -d ' ')\""));
        var noNewPrivileges = await Outcome(Command(policy, "/bin/sh", "-c", "grep NoNewPrivs /proc/self/status"));

        if (Environment.IsPrivilegedProcess)
        {
            Assert.Equal(ProbeResult.Ok("exit 0", expected), ids);
        }
        else
        {
            Assert.StartsWith(expected, ids.Output, StringComparison.Ordinal);
        }

        Assert.Equal(ProbeResult.Ok("exit 0", "NoNewPrivs:\t1"), noNewPrivileges);
    }

    private static string Id(string flag)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/id", flag) { RedirectStandardOutput = true })!;
        var text = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return text;
    }

    /// <summary>More output than the cap: the pipe is closed, the program gets a broken pipe and ends; nothing piles up.</summary>
    [Fact]
    public async Task Output_EndlessOutputCutOff()
    {
        var policy = TestCommands.System with { MaxOutputBytes = 1024 };

        // Liveness only: without the cap this reads for ever (and grows), so the wait is long and fails only a hang.
        var result = await Outcome(Command(policy, "/usr/bin/yes", "scriptable")).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(result.Success);
        Assert.Equal("scriptable", result.Output);
    }

    /// <summary>A child that left the process tree (its parent exited: it belongs to init now) is still in the group, and is killed at the timeout.</summary>
    [Fact]
    public async Task Timeout_KillsTheWholeGroup()
    {
        using var temp = new TempFolder();
        var pidFile = Path.Combine(temp.Path, "pid");
        var prober = Command("/bin/sh", "-c", $"(sleep 300 > /dev/null 2>&1 & echo $! > {pidFile}); sleep 300");
        using var cancel = new CancellationTokenSource();
        var probe = prober.ProbeAsync(cancel.Token).AsTask();
        await MonitorHarness.Until(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, "the child's pid");
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Alive(child));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probe);
        await MonitorHarness.Until(() => !Alive(child), $"the child {child} to be killed");
    }

    /// <summary>What a passing program leaves running in its group is killed when it exits.</summary>
    [Fact]
    public async Task Exit_LeftoversKilled()
    {
        using var temp = new TempFolder();
        var pidFile = Path.Combine(temp.Path, "pid");

        var result = await Outcome(Command("/bin/sh", "-c", $"sleep 300 > /dev/null 2>&1 & echo $! > {pidFile}"));

        Assert.Equal(ProbeResult.Ok("exit 0"), result);
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await MonitorHarness.Until(() => !Alive(child), $"the child {child} to be killed");
    }

    [Fact]
    public async Task Timeout_KillsTheWholeTree()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"scriptable-health-{Guid.NewGuid():N}.pid");
        try
        {
            var prober = Command("/bin/sh", "-c", $"sleep 30 & echo $! > {pidFile}; wait");
            using var cancel = new CancellationTokenSource();
            var probe = prober.ProbeAsync(cancel.Token).AsTask();
            await MonitorHarness.Until(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, "the child's pid");
            var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Alive(child));

            await cancel.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probe);
            await MonitorHarness.Until(() => !Alive(child), $"the child {child} to be killed");
        }
        finally
        {
            File.Delete(pidFile);
        }
    }

    /// <summary>True while the process exists and is not a zombie.</summary>
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
