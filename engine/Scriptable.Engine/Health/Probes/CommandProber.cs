using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Scriptable.Engine.Health.Probes;

/// <summary>
/// Runs a program of a command check, as the operator's <see cref="CommandCheckPolicy"/> allows, and passes on exit
/// code 0. Before each run the program is checked again (absolute path, real path in an allowed folder), and it
/// runs without a shell, by its real path, with a clean environment (<c>PATH=/usr/local/bin:/usr/bin:/bin</c> and
/// nothing else), in the policy's working directory, in a process group of its own (util-linux <c>setsid</c>),
/// with no new privileges (<c>setpriv --no-new-privs</c>), and, when the server is root and the policy names a
/// user, as that user with no supplementary groups and no capabilities. At most
/// <see cref="CommandCheckPolicy.MaxOutputBytes"/> of each output are read (then the pipe is closed); the first
/// non-empty line (of standard output, else of standard error) is the probe's <see cref="ProbeResult.Output"/>,
/// kept apart from its reason (<c>exit 1</c>), which is all that policies and unauthenticated readers see. At the
/// timeout the whole process group is killed (and the process tree, for what left the group); when the program
/// exits, whatever it left running in its group is killed too.
/// </summary>
internal sealed class CommandProber : IHealthProber
{
    private const int MaxLine = 160;

    /// <summary>The environment of every command: a fixed PATH, nothing of the server's.</summary>
    internal const string SafePath = "/usr/local/bin:/usr/bin:/bin";

    private static readonly string? s_setsid = Tool("setsid");
    private static readonly string? s_setpriv = Tool("setpriv");
    private static readonly ConcurrentDictionary<string, (int Uid, int Gid)?> s_users = new(StringComparer.Ordinal);

    private readonly CommandProbeConfig _config;
    private readonly CommandCheckPolicy _policy;

    /// <summary>Creates the prober of one check, under the operator's <paramref name="policy"/>.</summary>
    public CommandProber(CommandProbeConfig config, CommandCheckPolicy policy)
    {
        _config = config;
        _policy = policy;
    }

    /// <inheritdoc />
    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var name = _config.Command[0];
        if (_policy.NotRun)
        {
            return ProbeResult.Fail("not run: command checks do not run here");
        }

        // Checked again at each run: the program (or a link to it) may have changed since health.yaml was read.
        if (_policy.Check(name, out var program, out var missing, out _) is { } problem)
        {
            return ProbeResult.Fail("not run: " + problem);
        }

        if (missing)
        {
            return ProbeResult.Fail($"cannot run '{name}': it does not exist");
        }

        var words = new List<string>();
        if (s_setsid is not null)
        {
            words.Add(s_setsid);
        }

        if (!string.IsNullOrEmpty(_policy.User) && Environment.IsPrivilegedProcess)
        {
            if (s_setpriv is null)
            {
                return ProbeResult.Fail($"cannot run as '{_policy.User}': setpriv (util-linux) is not installed");
            }

            if (LookUpUser(_policy.User) is not { } ids)
            {
                return ProbeResult.Fail($"cannot run as '{_policy.User}': no such user");
            }

            words.AddRange([s_setpriv, "--reuid=" + ids.Uid.ToString(CultureInfo.InvariantCulture), "--regid=" + ids.Gid.ToString(CultureInfo.InvariantCulture),
                "--clear-groups", "--inh-caps=-all", "--no-new-privs", "--"]);
        }
        else if (s_setpriv is not null)
        {
            words.AddRange([s_setpriv, "--no-new-privs", "--"]);
        }

        words.Add(program);
        var start = new ProcessStartInfo(words[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            WorkingDirectory = _policy.WorkingDirectory,
        };
        for (var i = 1; i < words.Count; i++)
        {
            start.ArgumentList.Add(words[i]);
        }

        for (var i = 1; i < _config.Command.Count; i++)
        {
            start.ArgumentList.Add(_config.Command[i]);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = SafePath;

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return ProbeResult.Fail($"cannot run '{name}': {ProbeErrors.Short(ex.Message)}");
        }

        // setsid runs in the started process (it is not a group leader, so it does not fork): its id is the group's.
        var group = s_setsid is null ? 0 : process.Id;
        process.StandardInput.Close();

        // The readers end when the pipes close: when the program (and whatever inherited them) exits or is killed,
        // or when they have read their share.
        using var readers = new CancellationTokenSource();
        var stdout = FirstLineAsync(process.StandardOutput.BaseStream, _policy.MaxOutputBytes, readers.Token);
        var stderr = FirstLineAsync(process.StandardError.BaseStream, _policy.MaxOutputBytes, readers.Token);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The timeout (or the check removed): kill the group and the tree, then let the monitor say why.
            Kill(process, group);
            await readers.CancelAsync().ConfigureAwait(false);
            await IgnoreAsync(stdout, stderr).ConfigureAwait(false);
            throw;
        }

        // Whatever the program left running in its group (a daemon holding the pipes) goes with it.
        ProcessGroup.Kill(group);
        readers.CancelAfter(TimeSpan.FromMilliseconds(500));
        var line = await IgnoreAsync(stdout, stderr).ConfigureAwait(false);
        var code = process.ExitCode;
        var exit = "exit " + code.ToString(CultureInfo.InvariantCulture);
        return code == 0 ? ProbeResult.Ok(exit, line) : ProbeResult.Fail(exit, line);
    }

    /// <summary>util-linux's <paramref name="name"/> at its fixed place (never looked up in PATH).</summary>
    private static string? Tool(string name) =>
        ((string[])["/usr/bin/" + name, "/bin/" + name]).FirstOrDefault(File.Exists);

    /// <summary>The user's uid and primary gid, from the system's user database (<c>getent passwd</c>), cached.</summary>
    private static (int Uid, int Gid)? LookUpUser(string user) => s_users.GetOrAdd(user, static name =>
    {
        var getent = Tool("getent");
        if (getent is null)
        {
            return null;
        }

        var start = new ProcessStartInfo(getent) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("passwd");
        start.ArgumentList.Add(name);
        start.Environment.Clear();
        start.Environment["PATH"] = SafePath;
        using var process = Process.Start(start);
        if (process is null)
        {
            return null;
        }

        var line = process.StandardOutput.ReadLine();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(5000))
        {
            process.Kill();
            return null;
        }

        // name:password:uid:gid:gecos:home:shell
        var fields = line?.Split(':');
        return process.ExitCode == 0 && fields is { Length: >= 4 }
            && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            && int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gid)
            ? (uid, gid)
            : null;
    });

    private static void Kill(Process process, int group)
    {
        ProcessGroup.Kill(group);
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    private static async Task<string?> IgnoreAsync(Task<string?> stdout, Task<string?> stderr)
    {
        string? first = null;
        foreach (var task in (Task<string?>[])[stdout, stderr])
        {
            try
            {
                first ??= await task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            catch (IOException)
            {
            }
        }

        return first;
    }

    /// <summary>
    /// Reads a stream until its end or <paramref name="maxBytes"/>, whichever comes first (then closes it: a program
    /// that writes on gets a broken pipe), keeping its first non-empty line (cut to <see cref="MaxLine"/>).
    /// </summary>
    private static async Task<string?> FirstLineAsync(Stream stream, int maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(4096, maxBytes)];
        var kept = new MemoryStream();
        var total = 0;
        try
        {
            while (total < maxBytes)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, maxBytes - total)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                kept.Write(buffer, 0, read);
                total += read;
            }
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var line in Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length).Split('\n', '\r'))
        {
            var text = line.Trim();
            if (text.Length > 0)
            {
                return text.Length <= MaxLine ? text : text[..MaxLine];
            }
        }

        return null;
    }
}
