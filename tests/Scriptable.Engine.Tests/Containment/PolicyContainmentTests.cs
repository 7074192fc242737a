using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Containment;
using Scriptable.Engine.Model;
using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Policies;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Containment;

/// <summary>
/// Surviving a crash: what one process leaves in its journal makes the next one quarantine the version that was
/// running, and serve that file's previous good version from the last-good store instead.
/// </summary>
public sealed class PolicyContainmentTests : IDisposable
{
    private const string Good = "return Answer.Address(\"192.0.2.1\");";
    private const string Bad = "// scriptable: fallback=nxdomain\nreturn Answer.Address(\"192.0.2.2\");";

    private readonly TempFolder _folder = TempFolder.WithExampleZone(("example.org/www.csx", Good));
    private readonly string _state = Directory.CreateTempSubdirectory("scriptable-state-").FullName;
    private readonly ListLoggerProvider _logs = new();
    private readonly List<IDisposable> _open = [];

    public void Dispose()
    {
        foreach (var open in _open)
        {
            open.Dispose();
        }

        _folder.Dispose();
        Directory.Delete(_state, recursive: true);
    }

    /// <summary>A server's start: containment opened on the state directory, then the folder loaded with its hook.</summary>
    private (PolicyContainment Containment, FolderLoader Loader) Start(bool tried = false)
    {
        var containment = PolicyContainment.Open(_state, _folder.Path, 8, _logs.CreateLogger("test"), tried);
        var loader = new FolderLoader(_folder.Path);
        loader.Policies.Containment = containment;
        _open.Add(loader);
        return (containment, loader);
    }

    private static PolicyFileStatus Www(FolderLoader loader) => loader.Policies.Files.Single(f => f.File.EndsWith("www.csx", StringComparison.Ordinal));

    /// <summary>The process dies while a query runs the current version of www.csx: its slot stays written.</summary>
    private static void DieWhileRunning(PolicyContainment containment, FolderLoader loader, string name = "boom.example.org")
    {
        var version = Www(loader).Version!;
        containment.Journal.AllocateSlot()!.Enter(version.JournalId, Stopwatch.GetTimestamp(), (byte)DnsTransport.Udp, [192, 0, 2, 99], 40000,
            RawQuery.Build(name, Scriptable.Engine.Protocol.RecordType.A));

        // Killed: no clean close; the lock goes with the process.
        containment.Dispose();
    }

    [Fact]
    public void Start_VersionRunningWhenTheProcessDied_QuarantinedPreviousGoodServes()
    {
        var (first, loader) = Start();
        Reload(loader);
        var goodHash = Www(loader).Version!.ContentHash;
        _folder.Write("example.org/www.csx", Bad);
        Reload(loader);
        var badHash = Www(loader).Version!.ContentHash;
        DieWhileRunning(first, loader);

        var (second, restarted) = Start();
        var reload = Reload(restarted);

        var quarantined = Assert.Single(second.FoundAtStart);
        Assert.Equal(("example.org/www.csx", badHash), (quarantined.File, quarantined.Hash));
        Assert.Equal("boom.example.org. A", Assert.Single(quarantined.Questions).Question);
        Assert.Equal("192.0.2.99", quarantined.Questions[0].Client);
        Assert.True(second.Quarantine.IsQuarantined("example.org/www.csx", badHash));
        Assert.Contains(_logs.Messages, m => m.Contains("is quarantined: the server died while it was answering a query", StringComparison.Ordinal) && m.Contains("boom.example.org. A from 192.0.2.99 over udp", StringComparison.Ordinal));

        // The previous good version serves, loaded from the store (not the file, which still holds the bad one).
        var www = Www(restarted);
        Assert.Equal(goodHash, www.Version!.ContentHash);
        Assert.Equal(PolicyFallback.ServFail, www.Settings.Fallback);
        var error = Assert.Single(www.Diagnostics, d => d.Id == "SCR0400");
        Assert.Contains($"this version (content {badHash[..12]}) is quarantined", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Its previous good version (content {goodHash[..12]}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"DELETE /quarantine/{badHash[..12]}", error.Message, StringComparison.Ordinal);
        Assert.Equal(PolicyChangeKind.Loaded, reload.Policies.Changes.Single(c => c.File.EndsWith("www.csx", StringComparison.Ordinal)).Kind);
        Assert.Contains("192.0.2.1", Answer(), StringComparison.Ordinal);

        // A reload changes nothing while the file is unchanged; a changed file is a new version, and it serves.
        Reload(restarted);
        Assert.Equal(goodHash, Www(restarted).Version!.ContentHash);
        _folder.Write("example.org/www.csx", "return Answer.Address(\"192.0.2.3\");");
        Reload(restarted);
        Assert.Contains("192.0.2.3", Answer(), StringComparison.Ordinal);
        Assert.DoesNotContain(Www(restarted).Diagnostics, d => d.Id == "SCR0400");
    }

    [Fact]
    public void Start_ContentStored_LoadsFromTheStoreWithoutCompiling()
    {
        var (first, loader) = Start();
        Reload(loader);
        var hash = Www(loader).Version!.ContentHash;
        first.CloseClean();
        first.Dispose();

        var (_, restarted) = Start();
        Reload(restarted);

        Assert.Equal(hash, Www(restarted).Version!.ContentHash);
        Assert.Contains("192.0.2.1", Answer(), StringComparison.Ordinal);
        Assert.Contains(_logs.Messages, m => m.Contains($"(content {hash[..12]}) loads from the last-good store", StringComparison.Ordinal));
        Assert.Equal(TimeSpan.Zero, Www(restarted).Version!.Compiled.Elapsed);

        // The next reload sees the same content: nothing changes.
        Assert.Equal(PolicyChangeKind.Unchanged, Reload(restarted).Policies.Changes.Single().Kind);
    }

    [Fact]
    public void Start_StoredWithoutATrialWhereTrialsAreRequired_CompiledAgain()
    {
        var (first, loader) = Start(tried: false);
        Reload(loader);
        first.CloseClean();
        first.Dispose();

        var (_, restarted) = Start(tried: true);
        Reload(restarted);

        Assert.Contains("192.0.2.1", Answer(), StringComparison.Ordinal);
        Assert.DoesNotContain(_logs.Messages, m => m.Contains("loads from the last-good store", StringComparison.Ordinal));
        Assert.NotEqual(TimeSpan.Zero, Www(restarted).Version!.Compiled.Elapsed);
    }

    [Fact]
    public void Release_QuarantinedVersion_LoadsAgainAtTheNextReload()
    {
        var (first, loader) = Start();
        Reload(loader);
        _folder.Write("example.org/www.csx", Bad);
        Reload(loader);
        var badHash = Www(loader).Version!.ContentHash;
        DieWhileRunning(first, loader);
        var (second, restarted) = Start();
        Reload(restarted);

        Assert.Empty(second.Release("abc"));
        var released = Assert.Single(second.Release(badHash[..12]));
        Reload(restarted);

        Assert.Equal(badHash, released.Hash);
        Assert.Equal(badHash, Www(restarted).Version!.ContentHash);
        Assert.Contains("192.0.2.2", Answer(), StringComparison.Ordinal);
        Assert.Empty(second.Quarantine.Entries);
        Assert.Equal(1, second.Quarantine.Strikes("example.org/www.csx"));
    }

    [Fact]
    public void Start_NoEarlierVersionStored_FallbackWithTheReason()
    {
        _folder.Write("example.org/www.csx", Bad);
        var (first, loader) = Start();
        Reload(loader);
        DieWhileRunning(first, loader);

        var (_, restarted) = Start();
        var reload = Reload(restarted);

        var www = Www(restarted);
        Assert.Null(www.Version);
        Assert.Contains("No earlier good version of it is stored", Assert.Single(www.Diagnostics, d => d.Id == "SCR0400").Message, StringComparison.Ordinal);
        Assert.Equal(PolicyChangeKind.Failed, reload.Policies.Changes.Single(c => c.File.EndsWith("www.csx", StringComparison.Ordinal)).Kind);
        Assert.Equal(0, www.Stats.CompileFailures);

        // Its own fallback (nxdomain, from its directives) answers.
        Assert.Equal("NxDomain", Answer());
    }

    [Fact]
    public void Start_StoredAssemblyAltered_CompiledAgainFromItsStoredSource()
    {
        var (first, loader) = Start();
        Reload(loader);
        _folder.Write("example.org/www.csx", Bad);
        Reload(loader);
        DieWhileRunning(first, loader);
        foreach (var dll in Directory.EnumerateFiles(_state, "policy.dll", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(dll);
            bytes[^1] ^= 0xFF;
            File.WriteAllBytes(dll, bytes);
        }

        var (_, restarted) = Start();
        Reload(restarted);

        Assert.Contains("192.0.2.1", Answer(), StringComparison.Ordinal);
        Assert.Contains(_logs.Messages, m => m.Contains("was compiled again from its stored source: its stored assembly does not match the SHA-256", StringComparison.Ordinal));
    }

    [Fact]
    public void Start_StoredSourceAltered_NotServed()
    {
        var (first, loader) = Start();
        Reload(loader);
        _folder.Write("example.org/www.csx", Bad);
        Reload(loader);
        DieWhileRunning(first, loader);
        foreach (var source in Directory.EnumerateFiles(_state, "policy.csx", SearchOption.AllDirectories))
        {
            File.WriteAllText(source, "return Answer.Address(\"198.51.100.66\");");
        }

        var (_, restarted) = Start();
        Reload(restarted);

        Assert.Null(Www(restarted).Version);
        Assert.Contains(_logs.Messages, m => m.Contains("its stored source does not match its content hash", StringComparison.Ordinal));
    }

    [Fact]
    public void Start_SeveralVersionsRunning_AllQuarantinedAsSuspects()
    {
        _folder.Write("example.org/mail.csx", "return Answer.Address(\"192.0.2.25\");");
        var (first, loader) = Start();
        Reload(loader);
        var mail = loader.Policies.Files.Single(f => f.File.EndsWith("mail.csx", StringComparison.Ordinal)).Version!;
        first.Journal.AllocateSlot()!.Enter(mail.JournalId, Stopwatch.GetTimestamp(), (byte)DnsTransport.Tcp, [192, 0, 2, 7], 1234, RawQuery.Build("mail.example.org", 1));
        DieWhileRunning(first, loader);

        var (second, _) = Start();

        Assert.Equal(2, second.FoundAtStart.Count);
        Assert.All(second.FoundAtStart, e => Assert.Contains("with 1 other policy versions running at that moment", e.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Start_StuckRunAmongOthers_OnlyTheStuckOneQuarantined()
    {
        _folder.Write("example.org/mail.csx", "return Answer.Address(\"192.0.2.25\");");
        var (first, loader) = Start();
        Reload(loader);
        var mail = loader.Policies.Files.Single(f => f.File.EndsWith("mail.csx", StringComparison.Ordinal)).Version!;
        var stuck = first.Journal.AllocateSlot()!;
        stuck.Enter(mail.JournalId, Stopwatch.GetTimestamp(), (byte)DnsTransport.Udp, [192, 0, 2, 7], 1234, RawQuery.Build("mail.example.org", 1));
        stuck.MarkStuck(stuck.Sequence);
        DieWhileRunning(first, loader);

        var (second, _) = Start();

        var entry = Assert.Single(second.FoundAtStart);
        Assert.Equal("example.org/mail.csx", entry.File);
        Assert.StartsWith("a query was stuck in it", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_DiedWhileLoading_QuarantinedAndNeverLoadedAgain()
    {
        var (first, loader) = Start();
        Reload(loader);
        _folder.Write("example.org/www.csx", Bad);

        // The process dies inside the load of the new version (its static fields): the loader's slot names it.
        var hook = (IPolicyContainment)first;
        var text = File.ReadAllText(Path.Combine(_folder.Path, "example.org/www.csx"));
        var hash = PolicyCatalog.ContentHash(text, "", []);
        hook.BeginLoad(Path.Combine(_folder.Path, "example.org/www.csx"), hash, 2);
        first.Dispose();

        var (second, restarted) = Start();
        Reload(restarted);

        var entry = Assert.Single(second.FoundAtStart);
        Assert.Equal("the server died while initialising its static fields", entry.Reason);
        Assert.Contains("192.0.2.1", Answer(), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_CleanStop_NothingQuarantined()
    {
        var (first, loader) = Start();
        Reload(loader);
        var slot = first.Journal.AllocateSlot()!;
        slot.Enter(Www(loader).Version!.JournalId, Stopwatch.GetTimestamp(), 0, [192, 0, 2, 99], 1, RawQuery.Build("www.example.org", 1));
        slot.Exit();
        first.CloseClean();
        first.Dispose();

        var (second, _) = Start();

        Assert.Empty(second.FoundAtStart);
        Assert.DoesNotContain(_logs.Messages, m => m.Contains("did not stop cleanly", StringComparison.Ordinal));
    }

    [Fact]
    public void Start_UncleanStopOutsideAnyPolicy_SaysSoAndQuarantinesNothing()
    {
        var (first, loader) = Start();
        Reload(loader);
        first.Dispose();

        var (second, _) = Start();

        Assert.Empty(second.FoundAtStart);
        Assert.Contains(_logs.Messages, m => m.Contains("did not stop cleanly, but no policy was running", StringComparison.Ordinal));
    }

    [Fact]
    public void Open_StateDirectoryInUse_InMemoryAndSaysWhy()
    {
        var (first, _) = Start();
        var second = PolicyContainment.Open(_state, _folder.Path, 8, _logs.CreateLogger("test"));

        Assert.NotNull(first.StateDirectory);
        Assert.Null(second.StateDirectory);
        Assert.Null(second.Journal.Path);
        Assert.Contains(_logs.Messages, m => m.Contains("is in use by another scriptable server", StringComparison.Ordinal));
        first.Dispose();
    }

    [Fact]
    public void Keep_ManyVersions_ThreeNewestKept()
    {
        var (_, loader) = Start();
        for (var i = 0; i < 5; i++)
        {
            _folder.Write("example.org/www.csx", $"return Answer.Address(\"192.0.2.{10 + i}\");");
            Reload(loader);
            Thread.Sleep(20);
        }

        var store = new LastGoodStore(Path.Combine(_state, LastGoodStore.FolderName));
        var kept = store.Versions("example.org/www.csx");
        Assert.Equal(3, kept.Count);
        Assert.Equal(Www(loader).Version!.ContentHash, kept[0].Hash);
        Assert.Contains("192.0.2.14", File.ReadAllText(Path.Combine(kept[0].Directory, "policy.csx")), StringComparison.Ordinal);
    }

    private FolderReload? _last;

    private FolderReload Reload(FolderLoader loader) => _last = loader.Reload();

    /// <summary>What www.example.org answers with the last reload's snapshot.</summary>
    private string Answer()
    {
        var pipeline = new QueryPipeline(new ServerSnapshot(_last!.Zones, new Scriptable.Engine.Configuration.DnsConfig(), _last.Policies.Policies), NullLogger.Instance);
        var context = pipeline.CreateContext();
        var query = RawQuery.Build("www.example.org", 1);
        context.Reset(query, 0, query.Length, DnsTransport.Udp);
        context.SetClient([192, 0, 2, 99], 40000);
        var length = pipeline.Process(context);
        var message = Responses.Parse(context.Response.AsSpan(0, length).ToArray());
        return message.AnswerRecords.Count == 0 ? message.ReturnCode.ToString() : message.AnswerRecords[^1].ToString();
    }
}
