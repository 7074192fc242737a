using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// Scriptable installed as an operator installs it, started as systemd would start its unit, once for
/// <see cref="InstallTests"/>: the single-file program published from this checkout by <c>scripts/install.sh
/// --publish</c> (kept in a temp folder named after the test build's hash, so a run with the same build does not
/// publish again), installed by <c>scripts/install.sh --root</c> into a temporary root, and the unit's
/// <c>ExecStart</c> run as the unit's user (<c>nobody</c> here: <c>--user nobody</c>) through <c>setpriv</c>, with
/// the unit's capabilities as ambient ones, its state directory, a clean environment as systemd gives, and
/// <c>NOTIFY_SOCKET</c> on a datagram socket this fixture reads. It serves on port 53 of <see cref="Address"/>.
/// </summary>
/// <remarks>
/// Paths are the unit's and the installed configuration's, under the temporary root: the program, the
/// <c>--config</c> file, the state directory (the unit's, which the configuration names too), the policies folder
/// and the overrides file (the configuration's three through their <c>SCRIPTABLE_</c> variables, which win over the
/// file). The listen address becomes a loopback one and
/// the admin endpoint is off, so that tests running beside it are not disturbed.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class InstalledService : IAsyncLifetime
{
    /// <summary>The user the service runs as in the tests (the unit's <c>User=</c> after <c>--user nobody</c>).</summary>
    public const string ServiceUser = "nobody";

    private readonly StringBuilder _output = new();
    private readonly List<string> _notifications = [];
    private Socket? _notify;
    private Process? _process;

    /// <summary>The folder holding the published program (<c>scriptable</c>).</summary>
    public string Published { get; private set; } = "";

    /// <summary>The temporary root the service is installed under.</summary>
    public string Root { get; private set; } = "";

    /// <summary>What the first <c>install.sh --root</c> printed.</summary>
    public string InstallOutput { get; private set; } = "";

    /// <summary>The installed unit, as text.</summary>
    public string Unit { get; private set; } = "";

    /// <summary>The loopback address the service answers on, port 53.</summary>
    public IPAddress Address { get; private set; } = IPAddress.None;

    /// <summary>The state directory the unit sets (under <see cref="Root"/>).</summary>
    public string StateDirectory { get; private set; } = "";

    /// <summary>The service's process id (setpriv execs the program: same process).</summary>
    public int ProcessId => _process?.Id ?? 0;

    /// <summary>What the service printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The notifications the service sent to <c>NOTIFY_SOCKET</c>, in order.</summary>
    public IReadOnlyList<string> Notifications
    {
        get
        {
            lock (_notifications)
            {
                return [.. _notifications];
            }
        }
    }

    /// <summary>The value of a <c>[Service]</c> setting of the installed unit.</summary>
    public string UnitSetting(string key) =>
        Unit.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..]
        ?? throw new InvalidOperationException($"the unit has no {key}=\n{Unit}");

    /// <summary>A file mode written in octal, as chmod takes it.</summary>
    public static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    /// <summary>A path of the installed system (such as <c>/etc/scriptable</c>) under the temporary root.</summary>
    public string Under(string path) => Root + path;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (!RootFactAttribute.IsRoot)
        {
            return;
        }

        Published = await PublishAsync();
        Root = Directory.CreateTempSubdirectory("scriptable-install-").FullName;
        File.SetUnixFileMode(Root, Mode("755")); // the service's user walks through it
        var (exit, output) = await RunInstallAsync("--root", Root, "--from", Published, "--user", ServiceUser);
        InstallOutput = output;
        Assert.True(exit == 0, "install.sh failed:\n" + output);
        Unit = await File.ReadAllTextAsync(Under("/etc/systemd/system/scriptable.service"));
        await StartAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _ = Kill(_process.Id, "TERM");
            using var cts = new CancellationTokenSource(20000);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process?.Dispose();
        _notify?.Dispose();
        if (Root.Length > 0)
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    /// <summary>Sends a signal to a process with <c>/bin/kill</c>, as the unit's <c>ExecReload</c> does.</summary>
    public static int Kill(int pid, string signal)
    {
        using var kill = Process.Start("/bin/kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return kill.ExitCode;
    }

    /// <summary>Runs <c>scripts/install.sh</c> with these arguments; its exit code and everything it printed.</summary>
    /// <remarks>
    /// Without what <c>dotnet test</c> puts in the environment for its own MSBuild and test host, so that a publish
    /// is the one an operator's shell would run.
    /// </remarks>
    public static async Task<(int Exit, string Output)> RunInstallAsync(params string[] args)
    {
        var unset = new List<string>();
        foreach (string key in Environment.GetEnvironmentVariables().Keys)
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || key == "DOTNET_HOST_PATH")
            {
                unset.AddRange(["-u", key]);
            }
        }

        var (exit, output, error) = await ExternalTool.RunAsync("env", [.. unset, "bash", RepositoryPaths.Combine("scripts", "install.sh"), .. args], TimeSpan.FromMinutes(10));
        return (exit, output + error);
    }

    /// <summary>
    /// The published program, from the cache when this build was published before (the build's assemblies
    /// are deterministic: same bytes, same sources), else published now by <c>install.sh --publish</c>.
    /// </summary>
    private static async Task<string> PublishAsync()
    {
        var build = Path.GetDirectoryName(ServerProcess.ProgramPath)!;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in new[] { "scriptable.dll", "Scriptable.Engine.dll" })
        {
            hash.AppendData(await File.ReadAllBytesAsync(Path.Combine(build, file)));
        }

        hash.AppendData(await File.ReadAllBytesAsync(RepositoryPaths.Combine("scripts", "install.sh")));
        var cache = Path.Combine(Path.GetTempPath(), "scriptable-published-" + Convert.ToHexStringLower(hash.GetHashAndReset())[..16]);
        if (File.Exists(Path.Combine(cache, "scriptable")))
        {
            return cache;
        }

        foreach (var stale in Directory.EnumerateDirectories(Path.GetTempPath(), "scriptable-published-*"))
        {
            Directory.Delete(stale, recursive: true);
        }

        var staging = cache + ".new-" + Environment.ProcessId;
        var (exit, output) = await RunInstallAsync("--publish", staging);
        Assert.True(exit == 0, "install.sh --publish failed:\n" + output);
        Directory.Move(staging, cache);
        return cache;
    }

    private async Task StartAsync()
    {
        Address = FreeLoopback();

        // StateDirectory=scriptable: systemd creates /var/lib/scriptable for the unit's user, with StateDirectoryMode.
        StateDirectory = Under("/var/lib/" + UnitSetting("StateDirectory"));
        Directory.CreateDirectory(StateDirectory);
        Assert.Equal("0700", UnitSetting("StateDirectoryMode"));
        File.SetUnixFileMode(StateDirectory, Mode("700"));
        Chown(StateDirectory, UnitSetting("User"), UnitSetting("Group"));

        var run = Under("/run/scriptable-test");
        Directory.CreateDirectory(run);
        var socketPath = Path.Combine(run, "notify");
        _notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        File.SetUnixFileMode(socketPath, Mode("666")); // the service's user sends to it
        _ = Task.Run(ReadNotificationsAsync);

        // ExecStart, its absolute paths under the root; the configured folders likewise (their variables win over the file).
        var execStart = UnitSetting("ExecStart").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(a => a.StartsWith('/') ? Under(a) : a).ToList();
        var configFile = execStart[execStart.IndexOf("--config") + 1];
        using var config = JsonDocument.Parse(await File.ReadAllTextAsync(configFile), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var policies = config.RootElement.GetProperty("Policies").GetString()!;
        var overrides = config.RootElement.GetProperty("Health").GetProperty("OverridesFile").GetString()!;
        Assert.Equal("/var/lib/" + UnitSetting("StateDirectory"), config.RootElement.GetProperty("StateDirectory").GetString());

        var capability = UnitSetting("AmbientCapabilities");
        Assert.Equal(capability, UnitSetting("CapabilityBoundingSet"));
        var cap = capability.ToLowerInvariant().Replace("cap_", "", StringComparison.Ordinal);
        var start = new ProcessStartInfo(ExternalTool.Require("setpriv"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--reuid", UnitSetting("User"), "--regid", UnitSetting("Group"), "--init-groups", "--inh-caps", "+" + cap, "--ambient-caps", "+" + cap, "--bounding-set", "-all,+" + cap, "--no-new-privs" }.Concat(execStart))
        {
            start.ArgumentList.Add(arg);
        }

        // What systemd puts in a service's environment, and nothing of the test's.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        start.Environment["USER"] = start.Environment["LOGNAME"] = ServiceUser;
        start.Environment["HOME"] = "/nonexistent";
        start.Environment["SHELL"] = "/usr/sbin/nologin";
        start.Environment["INVOCATION_ID"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        start.Environment["STATE_DIRECTORY"] = StateDirectory;
        start.Environment["CONFIGURATION_DIRECTORY"] = Under("/etc/" + UnitSetting("ConfigurationDirectory"));
        start.Environment["NOTIFY_SOCKET"] = socketPath;
        start.Environment["SCRIPTABLE_Listen__0"] = Address + ":53";
        start.Environment["SCRIPTABLE_Admin__Listen"] = "off";
        start.Environment["SCRIPTABLE_Policies"] = Under(policies);
        start.Environment["SCRIPTABLE_Health__OverridesFile"] = Under(overrides);
        start.Environment["SCRIPTABLE_StateDirectory"] = StateDirectory;

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (!Notifications.Contains("READY=1"))
        {
            Assert.True(!_process.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(3),
                $"the service did not send READY=1 (exited: {_process.HasExited}); it printed:\n{Output}");
            await Task.Delay(50);
        }
    }

    private async Task ReadNotificationsAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var length = await _notify!.ReceiveAsync(buffer, SocketFlags.None);
                lock (_notifications)
                {
                    _notifications.AddRange(Encoding.UTF8.GetString(buffer, 0, length).Split('\n', StringSplitOptions.RemoveEmptyEntries));
                }
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
            // Disposed with the fixture.
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static void Chown(string path, string user, string group)
    {
        using var chown = Process.Start("chown", [user + ":" + group, path]);
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }

    /// <summary>A loopback address whose port 53 is free for UDP and TCP: 127.5.5.5, or the next one.</summary>
    private static IPAddress FreeLoopback()
    {
        for (var last = 5; last < 60; last++)
        {
            var address = new IPAddress([127, 5, 5, (byte)last]);
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(address, 53));
                using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(address, 53));
                return address;
            }
            catch (SocketException)
            {
                // Taken: the next one.
            }
        }

        throw new InvalidOperationException("no free port 53 on 127.5.5.5-59");
    }
}
