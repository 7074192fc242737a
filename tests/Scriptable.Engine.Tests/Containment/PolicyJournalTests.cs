using Scriptable.Engine.Containment;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Containment;

/// <summary>The in-flight journal: what a process that dies leaves for the next start to read.</summary>
public sealed class PolicyJournalTests : IDisposable
{
    private const string Hash = "3f2a9c1e5b7d4f60a1b2c3d4e5f60718293a4b5c6d7e8f9001122334455667788";
    private readonly string _directory = Directory.CreateTempSubdirectory("scriptable-journal-").FullName;

    private string FilePath => Path.Combine(_directory, PolicyJournal.FileName);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static void Enter(JournalSlot slot, TrackedVersion version, string name = "www.example.org", ushort type = RecordType.TXT) =>
        slot.Enter(version.Id, System.Diagnostics.Stopwatch.GetTimestamp(), (byte)DnsTransport.Udp, [192, 0, 2, 99], 40000, RawQuery.Build(name, type));

    [Fact]
    public void Read_RunLeftInASlot_NamesVersionAndQuestion()
    {
        var journal = PolicyJournal.Create(FilePath, 8);
        var version = journal.Register("policies/example.org/www.csx", "example.org/www.csx", Hash[..64], 3)!;
        Enter(journal.AllocateSlot()!, version);

        // The process dies here: nothing is closed. The next start reads the file.
        var reading = PolicyJournal.Read(FilePath, out var error);

        Assert.Null(error);
        Assert.NotNull(reading);
        Assert.False(reading.Clean);
        Assert.Equal(Environment.ProcessId, reading.Pid);
        var run = Assert.Single(reading.Runs);
        Assert.Equal(new JournalVersion(version.Id, "example.org/www.csx", Hash[..64], 3, false), run.Version);
        Assert.Equal("www.example.org. TXT from 192.0.2.99 over udp", run.Question);
        Assert.False(run.Stuck);
        Assert.False(run.Loading);
        Assert.InRange(run.StartedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public void Read_SlotExited_NothingInFlight()
    {
        var journal = PolicyJournal.Create(FilePath, 8);
        var version = journal.Register("www.csx", "example.org/www.csx", Hash[..64], 1)!;
        var slot = journal.AllocateSlot()!;
        Enter(slot, version);
        slot.Exit();

        var reading = PolicyJournal.Read(FilePath, out _)!;

        Assert.False(reading.Clean);
        Assert.Empty(reading.Runs);
    }

    [Fact]
    public void CloseClean_KeepsOnlyRunsStillStuck()
    {
        var journal = PolicyJournal.Create(FilePath, 8);
        var version = journal.Register("www.csx", "example.org/www.csx", Hash[..64], 1)!;
        var running = journal.AllocateSlot()!;
        var stuck = journal.AllocateSlot()!;
        Enter(running, version, "a.example.org");
        Enter(stuck, version, "b.example.org");
        stuck.MarkStuck(stuck.Sequence);

        journal.CloseClean();
        var reading = PolicyJournal.Read(FilePath, out _)!;

        Assert.True(reading.Clean);
        var run = Assert.Single(reading.Runs);
        Assert.True(run.Stuck);
        Assert.Equal("b.example.org. TXT", run.QuestionName());
    }

    [Fact]
    public void MarkStuck_LaterRunOnTheSameSlot_NotStuck()
    {
        var journal = PolicyJournal.Create(FilePath, 8);
        var version = journal.Register("www.csx", "example.org/www.csx", Hash[..64], 1)!;
        var slot = journal.AllocateSlot()!;
        Enter(slot, version);
        slot.MarkStuck(slot.Sequence);
        slot.Exit();
        Enter(slot, version, "later.example.org");

        var run = Assert.Single(PolicyJournal.Read(FilePath, out _)!.Runs);

        Assert.False(run.Stuck);
        Assert.Equal("later.example.org. TXT", run.QuestionName());
    }

    [Fact]
    public void Abandon_CloseCleanAfterwards_LeavesTheJournalAsItIs()
    {
        var journal = PolicyJournal.Create(FilePath, 8);
        var version = journal.Register("www.csx", "example.org/www.csx", Hash[..64], 1)!;
        Enter(journal.AllocateSlot()!, version);

        journal.Abandon();
        journal.CloseClean();
        var reading = PolicyJournal.Read(FilePath, out _)!;

        Assert.False(reading.Clean);
        Assert.Single(reading.Runs);
    }

    [Fact]
    public void EnterLoad_LoaderSlot_ReadAsLoading()
    {
        var journal = PolicyJournal.Create(FilePath, 8);
        var version = journal.Register("www.csx", "example.org/www.csx", Hash[..64], 2)!;
        journal.Loader.EnterLoad(version.Id, System.Diagnostics.Stopwatch.GetTimestamp());

        var run = Assert.Single(PolicyJournal.Read(FilePath, out _)!.Runs);

        Assert.True(run.Loading);
        Assert.Equal("load", run.Transport);
        Assert.Equal("initialising its static fields (no query)", run.Question);
    }

    [Fact]
    public void Register_FullTable_ReusesARetiredEntryNothingRuns()
    {
        var journal = PolicyJournal.Create(FilePath, 8, versions: 2);
        var first = journal.Register("a.csx", "example.org/a.csx", Hash[..64], 1)!;
        var second = journal.Register("b.csx", "example.org/b.csx", Hash[..64], 1)!;
        var slot = journal.AllocateSlot()!;
        Enter(slot, first);
        journal.Retire(first.Id);
        journal.Retire(second.Id);

        // The first is retired but still running (a query in flight on a replaced version): its entry is kept.
        var third = journal.Register("c.csx", "example.org/c.csx", Hash[..64], 1)!;
        Assert.Equal(second.Id, third.Id);
        Assert.Null(journal.Register("d.csx", "example.org/d.csx", Hash[..64], 1));
        Assert.Equal("example.org/a.csx", Assert.Single(PolicyJournal.Read(FilePath, out _)!.Runs).Version.File);
    }

    [Fact]
    public void AllocateSlot_AllTaken_Null()
    {
        var journal = PolicyJournal.Create(null, 3);

        Assert.NotNull(journal.AllocateSlot());
        Assert.NotNull(journal.AllocateSlot());
        Assert.Null(journal.AllocateSlot());
        Assert.Null(journal.Path);
    }

    [Theory]
    [InlineData(new byte[0], "not a journal")]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, "not a journal")]
    public void Read_NotAJournal_Error(byte[] content, string expected)
    {
        File.WriteAllBytes(FilePath, content);

        Assert.Null(PolicyJournal.Read(FilePath, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedJournal_Error()
    {
        PolicyJournal.Create(FilePath, 8);
        var bytes = File.ReadAllBytes(FilePath);
        File.WriteAllBytes(FilePath, bytes[..(bytes.Length / 2)]);

        Assert.Null(PolicyJournal.Read(FilePath, out var error));
        Assert.Contains("do not match its length", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoFile_Null()
    {
        Assert.Null(PolicyJournal.Read(FilePath, out var error));
        Assert.Null(error);
    }
}
