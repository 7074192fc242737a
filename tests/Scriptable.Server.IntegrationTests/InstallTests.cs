using System.Text.RegularExpressions;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// Issue 13, install: the published single-file program, <c>scripts/install.sh</c>, and the systemd unit's command
/// line run as the unit's user on port 53 (<see cref="InstalledService"/>, one for the class).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class InstallTests(InstalledService service) : IClassFixture<InstalledService>, IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("scriptable-install-test-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [RootFact]
    public void Publish_IsOneFile_InstallLaysOutProgramUnitConfigAndPolicies()
    {
        Assert.Equal(["scriptable"], Directory.GetFiles(service.Published).Select(Path.GetFileName));

        var program = service.Under("/usr/lib/scriptable/scriptable");
        Assert.Equal(File.ReadAllBytes(Path.Combine(service.Published, "scriptable")), File.ReadAllBytes(program));
        Assert.Equal(InstalledService.Mode("755"), File.GetUnixFileMode(program));
        Assert.Equal("/usr/lib/scriptable/scriptable", new FileInfo(service.Under("/usr/bin/scriptable")).LinkTarget);
        Assert.StartsWith("/usr/lib/scriptable/scriptable serve --config /etc/scriptable/scriptable.json", service.UnitSetting("ExecStart"), StringComparison.Ordinal);
        Assert.Equal(InstalledService.ServiceUser, service.UnitSetting("User"));
        Assert.Equal("nogroup", service.UnitSetting("Group"));

        // The configuration may hold the admin token: readable by the service's group only.
        var config = service.Under("/etc/scriptable/scriptable.json");
        Assert.Equal(InstalledService.Mode("640"), File.GetUnixFileMode(config));
        Assert.Contains("\"Policies\": \"/etc/scriptable/policies\"", File.ReadAllText(config), StringComparison.Ordinal);
        Assert.True(File.Exists(service.Under("/etc/scriptable/policies/example.com/example.com.zone")));
        Assert.Contains("program " + program + " installed", service.InstallOutput, StringComparison.Ordinal);
        Assert.Contains("staged under " + service.Root + " (--root): no user, no systemctl", service.InstallOutput, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task Service_AsItsUserWithOnlyNetBindService_AnswersDigOnPort53_Notifies_KeepsStateWhereTheUnitSays()
    {
        var dig = await ExternalTool.RunAsync("dig", ["@" + service.Address, "canary.example.com", "A", "+norec", "+tries=1", "+time=5"]);
        Assert.True(dig.ExitCode == 0, dig.Output + dig.Error);
        Assert.Contains("status: NOERROR", dig.Output, StringComparison.Ordinal);
        Assert.Matches(@"canary\.example\.com\.\s+60\s+IN\s+A\s+192\.0\.2\.(10|20)", dig.Output);
        Assert.Contains("flags: qr aa;", dig.Output, StringComparison.Ordinal);

        // READY=1 came before: the fixture waited for it and nothing else before asking.
        Assert.Equal("READY=1", service.Notifications[0]);

        // The unit's user, the one capability, nothing more to gain.
        var status = File.ReadAllText($"/proc/{service.ProcessId}/status");
        var nobody = (await ExternalTool.RunAsync("id", ["-u", InstalledService.ServiceUser])).Output.Trim();
        Assert.Matches($@"(?m)^Uid:\s+{nobody}\s+{nobody}\s+{nobody}\s+{nobody}$", status);
        foreach (var set in new[] { "CapPrm", "CapEff", "CapBnd", "CapAmb" })
        {
            Assert.Matches($@"(?m)^{set}:\s+0000000000000400$", status); // 1 << CAP_NET_BIND_SERVICE (10)
        }

        Assert.Matches(@"(?m)^NoNewPrivs:\s+1$", status);

        // The state directory the unit sets (StateDirectory=scriptable, under the root), owned by the user.
        Assert.Contains($"State directory '{service.StateDirectory}'", service.Output, StringComparison.Ordinal);
        var journal = new FileInfo(Path.Combine(service.StateDirectory, "inflight.journal"));
        Assert.True(journal.Exists, service.Output);
        Assert.Equal(nobody, (await ExternalTool.RunAsync("stat", ["-c", "%u", journal.FullName])).Output.Trim());
    }

    [RootFact]
    public async Task Service_ExecReload_ReloadsAndKeepsAnswering()
    {
        var reload = service.UnitSetting("ExecReload");
        Assert.Equal("/bin/kill -HUP $MAINPID", reload);
        Assert.Equal(0, InstalledService.Kill(service.ProcessId, "HUP"));

        await TransportTests.WaitUntil(() => service.Output.Contains("SIGHUP: reloading zones and policies.", StringComparison.Ordinal), "the reload logged", 30000);
        var dig = await ExternalTool.RunAsync("dig", ["@" + service.Address, "www.example.com", "+short", "+norec", "+tries=1", "+time=5"]);
        Assert.Matches(@"^\d+\.\d+\.\d+\.\d+\n$", dig.Output);
    }

    [RootFact]
    public async Task Check_PublishedProgram_CompilesAndTries_SandboxAndBudgetHold()
    {
        // A policy that compiles and passes its trial, one the sandbox refuses, one the budget stops in its trial.
        Directory.CreateDirectory(Path.Combine(_scratch, "example.org"));
        File.WriteAllText(Path.Combine(_scratch, "example.org", "example.org.zone"), TempFolder.ExampleZone);
        File.WriteAllText(Path.Combine(_scratch, "example.org", "www.csx"), "static readonly Answer A = Answer.Address(\"192.0.2.7\");\nreturn ctx.Query.Type == DnsType.A ? A : Answer.Static;\n");
        File.WriteAllText(Path.Combine(_scratch, "example.org", "files.csx"), "var secret = System.IO.File.ReadAllText(\"/etc/passwd\");\nreturn Answer.Static;\n");
        File.WriteAllText(Path.Combine(_scratch, "example.org", "loop.csx"), "var n = 0;\nwhile (n >= 0) { n = (n + 1) % 1000; }\nreturn Answer.Static;\n");

        var (exit, output, error) = await ExternalTool.RunAsync(service.Under("/usr/lib/scriptable/scriptable"), ["check", _scratch], TimeSpan.FromMinutes(3));

        var all = output + error;
        Assert.True(exit == 1, all);
        Assert.Matches(@"ok: policy '.*/example\.org/www\.csx' serving www\.example\.org\. \(trial: 300 questions", all);
        Assert.Matches(@"files\.csx\(1,\d+\): error SCR0001: 'System\.IO\.File' is not allowed", all);
        Assert.Matches(@"loop\.csx\(2,1\): error SCR0302: the trial stopped the policy for its time budget", all);
        Assert.Contains("1 policies compiled, 2 failed", all, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task Config_MisspelledKey_StopsThePublishedProgramWithItsLine()
    {
        var config = Path.Combine(_scratch, "scriptable.json");
        File.WriteAllText(config, File.ReadAllText(service.Under("/etc/scriptable/scriptable.json")).Replace("\"Policies\":", "\"Polices\":", StringComparison.Ordinal));

        var (exit, output, error) = await ExternalTool.RunAsync(service.Under("/usr/lib/scriptable/scriptable"), ["serve", "--config", config], TimeSpan.FromMinutes(1));

        Assert.Equal(2, exit);
        Assert.Matches(@"scriptable\.json\(\d+,\d+\): error: 'Polices' is not a setting \(did you mean 'Policies'\?\)", output + error);
    }

    [RootFact]
    public async Task Install_Again_ChangesNothing_KeepsTheOperatorsFiles_UnitVerifies_UninstallKeepsConfig()
    {
        var root = Path.Combine(_scratch, "root");
        var (exit, first) = await InstalledService.RunInstallAsync("--root", root, "--from", service.Published);
        Assert.True(exit == 0, first);
        Assert.Contains("user scriptable not created (--root)", first, StringComparison.Ordinal);
        var config = root + "/etc/scriptable/scriptable.json";
        File.AppendAllText(config, "\n// the operator's\n");
        File.Delete(root + "/etc/scriptable/policies/example.com/www.csx");

        (exit, var second) = await InstalledService.RunInstallAsync("--root", root, "--from", service.Published);

        Assert.True(exit == 0, second);
        Assert.Contains("program " + root + "/usr/lib/scriptable/scriptable unchanged", second, StringComparison.Ordinal);
        Assert.Contains("unit " + root + "/etc/systemd/system/scriptable.service unchanged", second, StringComparison.Ordinal);
        Assert.Contains("configuration " + config + " kept (yours)", second, StringComparison.Ordinal);
        Assert.EndsWith("// the operator's\n", File.ReadAllText(config), StringComparison.Ordinal);
        Assert.False(File.Exists(root + "/etc/scriptable/policies/example.com/www.csx"));

        // systemd-analyze verify, on the unit as installed (User=scriptable): no warning at all. It checks that
        // ExecStart's program exists, so that path points into the root.
        var unit = File.ReadAllText(root + "/etc/systemd/system/scriptable.service");
        Assert.Contains("User=scriptable\n", unit, StringComparison.Ordinal);
        var verifyFolder = Directory.CreateDirectory(Path.Combine(_scratch, "verify")).FullName;
        File.WriteAllText(Path.Combine(verifyFolder, "scriptable.service"), unit.Replace("ExecStart=/usr/lib/", "ExecStart=" + root + "/usr/lib/", StringComparison.Ordinal));
        var verify = await ExternalTool.RunAsync("systemd-analyze", ["verify", Path.Combine(verifyFolder, "scriptable.service")]);
        Assert.True(verify.ExitCode == 0 && verify.Output.Length == 0 && verify.Error.Length == 0, $"exit {verify.ExitCode}\n{verify.Output}{verify.Error}");

        (exit, var removed) = await InstalledService.RunInstallAsync("--root", root, "--uninstall");

        Assert.True(exit == 0, removed);
        Assert.False(File.Exists(root + "/usr/lib/scriptable/scriptable"));
        Assert.False(File.Exists(root + "/etc/systemd/system/scriptable.service"));
        Assert.False(Path.Exists(root + "/usr/bin/scriptable"));
        Assert.True(File.Exists(config));
        Assert.Contains("kept " + root + "/etc/scriptable (configuration, policies)", removed, StringComparison.Ordinal);
    }

    /// <summary>
    /// The root README's "Run it in production", command by command: <c>scripts/install.sh</c> into a staging root
    /// (with the published program), <c>scriptable</c> and <c>dig</c> against the installed service (its paths under
    /// the root, the README's address 192.0.2.53 as the service's loopback one), and <c>systemctl</c> and
    /// <c>journalctl</c>, which need a running systemd, checked against the installed unit. A command of another
    /// kind fails the test until it gets a check here.
    /// </summary>
    [RootFact]
    public async Task Readme_RunItInProduction_EveryShellCommandRunsOrIsChecked()
    {
        var readme = File.ReadAllText(RepositoryPaths.Combine("README.md"));
        var start = readme.IndexOf("\n## Run it in production\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no 'Run it in production' section");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = readme[start..end];
        var commands = ShellBlock().Matches(section).SelectMany(m => m.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.True(commands.Count >= 8, string.Join('\n', commands));

        var root = Path.Combine(_scratch, "readme-root");
        var ran = new List<string>();
        foreach (var command in commands)
        {
            var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words[0])
            {
                case "scripts/install.sh":
                    var (exit, output) = await InstalledService.RunInstallAsync([.. words[1..], "--root", root, "--from", service.Published]);
                    Assert.True(exit == 0, command + "\n" + output);
                    break;
                case "scriptable":
                    var tool = await ExternalTool.RunAsync(service.Under("/usr/lib/scriptable/scriptable"),
                        words[1..].Select(w => w.StartsWith("/etc/", StringComparison.Ordinal) ? service.Under(w) : w), TimeSpan.FromMinutes(3));
                    Assert.True(tool.ExitCode == 0, command + "\n" + tool.Output + tool.Error);
                    break;
                case "dig":
                    var dig = await ExternalTool.RunAsync("dig", [.. words[1..].Select(w => w == "@192.0.2.53" ? "@" + service.Address : w), "+tries=1", "+time=5"]);
                    Assert.True(dig.ExitCode == 0 && dig.Output.Contains("status: NOERROR", StringComparison.Ordinal), command + "\n" + dig.Output);
                    Assert.Contains("flags: qr aa;", dig.Output, StringComparison.Ordinal);
                    break;
                case "systemctl":
                    Assert.Equal("scriptable", words[2]);
                    Assert.True(words[1] switch
                    {
                        "reload" => service.UnitSetting("ExecReload") == "/bin/kill -HUP $MAINPID",
                        "status" or "restart" or "start" or "stop" => true,
                        _ => false,
                    }, command);
                    break;
                case "journalctl":
                    Assert.Equal(["-u", "scriptable"], words[1..3]);
                    Assert.Equal("notify", service.UnitSetting("Type"));
                    break;
                default:
                    Assert.Fail($"README 'Run it in production' runs '{command}', which this test does not check");
                    break;
            }

            ran.Add(words[0]);
        }

        Assert.Contains("scripts/install.sh", ran);
        Assert.True(File.Exists(root + "/usr/lib/scriptable/scriptable"), "the README's install left no program");
    }

    [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();
}
