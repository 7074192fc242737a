using Scriptable.Engine.Trial;

namespace Scriptable.Engine.Tests.Trial;

/// <summary>The watcher on real child processes (bash standing in for a dying runtime).</summary>
public sealed class WatchedProcessTests
{
    [Fact]
    public void Wait_ChildAbortsAfterALongStackTrace_CrashReported_RelayCutShort()
    {
        var script = "echo out; echo 'Stack overflow.' >&2; for i in $(seq 1 3000); do echo '   at Policy_www_3+Node.GetHashCode()' >&2; done; kill -ABRT $$";
        var output = new StringWriter();
        var errors = new StringWriter();
        using var child = WatchedProcess.Start(new WorkerCommand("bash", ["-c", script]), memoryMegabytes: 0, relayTo: (output, errors));

        var outcome = child.Wait(TimeSpan.FromMinutes(1));

        Assert.Equal(WatchEnd.Crashed, outcome.End);
        Assert.Equal(134, outcome.ExitCode);
        Assert.True(outcome.IsCrash);
        Assert.Contains("overflowed the stack", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("in Node.GetHashCode()", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal("out", output.ToString().Trim());
        var relayed = errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(relayed.Length < 20, relayed.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("more lines of the runtime's stack trace", relayed[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Wait_ChildPastTheWholeDeadline_Stopped()
    {
        using var child = WatchedProcess.Start(new WorkerCommand("sleep", ["60"]), memoryMegabytes: 0);

        var outcome = child.Wait(TimeSpan.FromMilliseconds(300));

        Assert.Equal(WatchEnd.TimedOut, outcome.End);
        Assert.True(child.HasExited);
    }

    [Fact]
    public void Wait_OrdinaryExit_OutputCaptured()
    {
        using var child = WatchedProcess.Start(new WorkerCommand("bash", ["-c", "echo answer; exit 1"]), memoryMegabytes: 0);

        var outcome = child.Wait(TimeSpan.FromMinutes(1));

        Assert.Equal(WatchEnd.Exited, outcome.End);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Equal("answer", outcome.Output.Trim());
        Assert.False(outcome.IsCrash);
    }
}
