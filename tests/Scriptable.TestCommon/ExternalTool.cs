using System.Diagnostics;

namespace Scriptable.TestCommon;

/// <summary>Runs a command-line tool (dig, kdig, knotd) and captures its output.</summary>
public static class ExternalTool
{
    /// <summary>Full path of a tool on PATH, or null.</summary>
    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"]))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>The path of a tool the setup script installs; fails the test with the fix if it is missing.</summary>
    public static string Require(string name) =>
        Find(name) ?? throw new InvalidOperationException($"'{name}' is not installed: run scripts/setup.sh (the README's test command does).");

    /// <summary>
    /// Runs a tool to completion (bounded) and returns its exit code and output; <paramref name="input"/> is written
    /// to its standard input, <paramref name="environment"/> set over the test's own.
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string name, IEnumerable<string> arguments, TimeSpan? timeout = null, string? input = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Require(name))
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{name} {string.Join(' ', arguments)}' did not finish in time; it printed:\n{await output}\n{await error}");
        }

        return (process.ExitCode, await output, await error);
    }
}
