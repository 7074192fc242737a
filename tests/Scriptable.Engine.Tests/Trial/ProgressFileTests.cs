using Scriptable.Engine.Trial;

namespace Scriptable.Engine.Tests.Trial;

public sealed class ProgressFileTests
{
    [Fact]
    public void Write_ThenRead_FromAnotherMapping_SeesTheStep()
    {
        using var watcher = ProgressFile.Create();
        try
        {
            using var child = ProgressFile.Open(watcher.Path);
            Assert.True(child.IsValid);
            child.Write(3, "policies/example.org/www.csx", "answering A www.example.org.", 1234, 500, 2000);
            var steps = watcher.Read();
            var step = Assert.Single(steps);
            Assert.Equal("policies/example.org/www.csx", step.File);
            Assert.Equal("answering A www.example.org.", step.What);
            Assert.Equal(1234, step.Started);
            Assert.Equal(500, step.CpuStarted);
            Assert.Equal(2000, step.DeadlineMilliseconds);

            // Overdue by CPU time; by wall-clock time only at ten times the deadline, and at least a minute.
            Assert.True(step.IsOverdue(1234 + 1, 2501));
            Assert.False(step.IsOverdue(1234 + 59_000, 2500));
            Assert.True(step.IsOverdue(1234 + 60_001, 500));

            child.Clear(3);
            Assert.Empty(watcher.Read());
        }
        finally
        {
            File.Delete(watcher.Path);
        }
    }

    [Fact]
    public void Write_LongText_CutAtACharacterBoundary()
    {
        using var watcher = ProgressFile.Create();
        try
        {
            var what = string.Concat(Enumerable.Repeat("é€", 400));
            watcher.Write(0, "f.csx", what, 0, 0, 0);
            var step = Assert.Single(watcher.Read());
            Assert.StartsWith("é€é€", step.What, StringComparison.Ordinal);
            Assert.True(step.What.Length < what.Length);
            Assert.DoesNotContain('\uFFFD', step.What);
            Assert.False(step.IsOverdue(long.MaxValue, long.MaxValue));
        }
        finally
        {
            File.Delete(watcher.Path);
        }
    }

    [Fact]
    public void Create_IsReadableByItsOwnerOnly()
    {
        using var watcher = ProgressFile.Create();
        try
        {
            Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(watcher.Path) == (UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }
        finally
        {
            File.Delete(watcher.Path);
        }
    }
}
