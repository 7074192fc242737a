using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Scriptable.Engine.Health.Probes;

/// <summary>
/// Runs a program, without a shell: exit code 0 passes. Its output is read and discarded, except the first
/// non-empty line (of standard output, else of standard error), which becomes the reason:
/// <c>exit 1: replica lag 30 s</c>. At the timeout the program is killed with its whole process tree.
/// </summary>
internal sealed class CommandProber : IHealthProber
{
    private const int MaxLine = 160;

    private readonly CommandProbeConfig _config;

    /// <summary>Creates the prober of one check.</summary>
    public CommandProber(CommandProbeConfig config)
    {
        _config = config;
    }

    /// <inheritdoc />
    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_config.Command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        for (var i = 1; i < _config.Command.Count; i++)
        {
            start.ArgumentList.Add(_config.Command[i]);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return ProbeResult.Fail($"cannot run '{_config.Command[0]}': {ProbeErrors.Short(ex.Message)}");
        }

        process.StandardInput.Close();

        // The readers end when the pipes close: when the program (and whatever inherited them) exits or is killed.
        using var readers = new CancellationTokenSource();
        var stdout = FirstLineAsync(process.StandardOutput, readers.Token);
        var stderr = FirstLineAsync(process.StandardError, readers.Token);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The timeout (or the check removed): kill the program and its children, then let the monitor say why.
            Kill(process);
            await readers.CancelAsync().ConfigureAwait(false);
            await IgnoreAsync(stdout, stderr).ConfigureAwait(false);
            throw;
        }

        // A child that daemonized may keep the pipes open: give the readers a moment, no more.
        readers.CancelAfter(TimeSpan.FromMilliseconds(500));
        var line = await IgnoreAsync(stdout, stderr).ConfigureAwait(false);
        var code = process.ExitCode;
        if (code == 0)
        {
            return ProbeResult.Ok(line is null ? "exit 0" : "exit 0: " + line);
        }

        var exit = "exit " + code.ToString(CultureInfo.InvariantCulture);
        return ProbeResult.Fail(line is null ? exit : exit + ": " + line);
    }

    private static void Kill(Process process)
    {
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

    /// <summary>Reads a stream to its end, keeping its first non-empty line (cut to <see cref="MaxLine"/>).</summary>
    private static async Task<string?> FirstLineAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var buffer = new char[1024];
        var line = new StringBuilder();
        var done = false;
        while (true)
        {
            var read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            for (var i = 0; i < read && !done; i++)
            {
                var c = buffer[i];
                if (c is '\n' or '\r')
                {
                    done = line.ToString().Trim().Length > 0;
                    if (!done)
                    {
                        line.Clear();
                    }
                }
                else if (line.Length < MaxLine)
                {
                    line.Append(c);
                }
            }
        }

        var text = line.ToString().Trim();
        return text.Length == 0 ? null : text;
    }
}
