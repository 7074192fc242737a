using System.Globalization;
using Scriptable.Engine.Trial;

namespace Scriptable.Server.Cli;

/// <summary>
/// Runs a command that executes policy code (<c>check</c>, <c>test</c>, <c>query</c>) in a child process of this
/// program, watched: policies are code from the folder, and a policy that overflows the stack or hangs inside
/// framework code would otherwise take the CI job or the operator's shell with it. The child shares the console
/// and runs the same command line; it reports each step (compiling a policy, a case, a question) to the
/// parent, which stops it when a step runs far past its deadline and, when it dies, says which policy and
/// which step did it (<c>file(1,1): error SCR0303: ...</c>) and exits 1.
/// </summary>
internal static class SandboxedRun
{
    /// <summary>Set to <c>off</c> to run these commands in this process (debugging).</summary>
    public const string SwitchVariable = "SCRIPTABLE_SANDBOX";

    /// <summary>The commands that run policy code.</summary>
    public static bool Applies(string[] args) =>
        args is [("check" or "test" or "query"), ..]
        && !TrialProgress.IsWatched
        && !string.Equals(Environment.GetEnvironmentVariable(SwitchVariable), "off", StringComparison.OrdinalIgnoreCase)
        && !args.Contains("--help") && !args.Contains("-h") && !args.Contains("-?");

    /// <summary>Runs <paramref name="args"/> in a watched child; returns the exit code to use.</summary>
    public static int Run(string[] args)
    {
        var command = WorkerCommand.ForProgram(typeof(SandboxedRun).Assembly).With(args);
        WatchedProcess child;
        try
        {
            // Normal priority: the tool is the work asked for (in CI, beside other jobs), nothing to protect.
            child = WatchedProcess.Start(command, memoryMegabytes: 0, relayTo: (Console.Out, Console.Error), belowNormal: false);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"scriptable {args[0]}: cannot start the sandboxed process ({ex.Message}); set {SwitchVariable}=off to run it in this process");
            return 2;
        }

        // Ctrl-C reaches the child too (same process group): let it finish its way, and report what it says.
        ConsoleCancelEventHandler keep = (_, e) => e.Cancel = true;
        Console.CancelKeyPress += keep;
        try
        {
            using (child)
            {
                var outcome = child.Wait(TimeSpan.FromDays(1));
                if (outcome.End == WatchEnd.Exited)
                {
                    return outcome.ExitCode;
                }

                Console.Out.Flush();
                var id = outcome.IsCrash ? "SCR0303" : "SCR0304";
                if (outcome.Steps.Count == 0)
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scriptable {args[0]}: error {id}: {outcome.Reason} (exit code {outcome.ExitCode})"));
                }

                foreach (var step in outcome.Steps)
                {
                    Console.Error.WriteLine($"{step.File}(1,1): error {id}: stopped while {step.What}: {outcome.Reason}.");
                }

                Console.Out.WriteLine($"FAILED: scriptable {args[0]} was stopped by a policy (above)");
                return 1;
            }
        }
        finally
        {
            Console.CancelKeyPress -= keep;
        }
    }
}
