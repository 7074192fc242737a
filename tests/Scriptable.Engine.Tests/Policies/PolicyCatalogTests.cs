using System.Runtime.CompilerServices;
using Scriptable.Engine.Model;
using Scriptable.Engine.Policies;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Policies;

/// <summary>Reloads: what changed recompiles, a bad edit keeps the last good version, old versions go away.</summary>
public sealed class PolicyCatalogTests
{
    private const string V1 = "return Answer.Address(\"192.0.2.1\");";
    private const string V2 = "return Answer.Address(\"192.0.2.2\");";

    private static PolicyChange Change(FolderReload reload, string file) =>
        reload.Policies.Changes.Single(c => c.File.EndsWith(file, StringComparison.Ordinal));

    [Fact]
    public void Reload_Unchanged_NotRecompiled()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", V1));
        var loader = new FolderLoader(temp.Path);
        var first = loader.Reload();
        var second = loader.Reload();

        Assert.Equal(PolicyChangeKind.Loaded, Change(first, "www.csx").Kind);
        Assert.Equal(PolicyChangeKind.Unchanged, Change(second, "www.csx").Kind);
        Assert.Same(Change(first, "www.csx").Version, Change(second, "www.csx").Version);
        Assert.Empty(second.Policies.Retired);
    }

    [Fact]
    public void Reload_Changed_NewRevisionAndOldRetired()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", V1));
        var loader = new FolderLoader(temp.Path);
        var first = Change(loader.Reload(), "www.csx").Version!;
        temp.Write("example.org/www.csx", V2);
        var reload = loader.Reload();

        var second = Change(reload, "www.csx").Version!;
        Assert.Equal(2, second.Revision);
        Assert.Equal([first], reload.Policies.Retired);
        Assert.Equal(1, reload.Policies.Policies.Bindings.Single().Stats.Reloads);
    }

    [Fact]
    public void Reload_BrokenEdit_KeepsLastGoodVersion()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", V1));
        var loader = new FolderLoader(temp.Path);
        var good = Change(loader.Reload(), "www.csx").Version!;
        temp.Write("example.org/www.csx", "return Answer.Address(\"192.0.2.2\")");
        var reload = loader.Reload();

        var change = Change(reload, "www.csx");
        Assert.Equal(PolicyChangeKind.Kept, change.Kind);
        Assert.Same(good, reload.Policies.Policies.Bindings.Single().Version);
        Assert.Contains(change.Diagnostics, d => d.ToString().Contains("www.csx(1,35): error CS1002", StringComparison.Ordinal));
        Assert.Empty(reload.Policies.Retired);
    }

    [Fact]
    public void Reload_BrokenAtStart_BoundWithoutVersion()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", "// scriptable: fallback=static\nreturn 1;"), ("example.org/mail.csx", V1));
        var reload = new FolderLoader(temp.Path).Reload();

        var www = reload.Policies.Policies.Bindings.Single(b => b.Owner.ToString() == "www.example.org.");
        Assert.Null(www.Version);
        Assert.Equal(PolicyFallback.Static, www.Settings.Fallback);
        Assert.Equal(PolicyChangeKind.Failed, Change(reload, "www.csx").Kind);
        Assert.NotNull(reload.Policies.Policies.Bindings.Single(b => b.Owner.ToString() == "mail.example.org.").Version);
    }

    [Fact]
    public void Reload_Deleted_RemovedAndRetired()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", V1));
        var loader = new FolderLoader(temp.Path);
        var version = Change(loader.Reload(), "www.csx").Version!;
        temp.Delete("example.org/www.csx");
        var reload = loader.Reload();

        Assert.Equal(PolicyChangeKind.Removed, Change(reload, "www.csx").Kind);
        Assert.True(reload.Policies.Policies.IsEmpty);
        Assert.Equal([version], reload.Policies.Retired);
    }

    [Fact]
    public void Reload_HelperChanged_RecompilesItsUsers()
    {
        using var temp = TempFolder.WithExampleZone(
            ("_shared/a.csx", "static readonly Answer Shared = Answer.Address(\"192.0.2.1\");"),
            ("example.org/www.csx", "#load \"../_shared/a.csx\"\nreturn Shared;"),
            ("example.org/mail.csx", V1));
        var loader = new FolderLoader(temp.Path);
        loader.Reload();
        temp.Write("_shared/a.csx", "static readonly Answer Shared = Answer.Address(\"192.0.2.9\");");
        var reload = loader.Reload();

        Assert.Equal(PolicyChangeKind.Loaded, Change(reload, "www.csx").Kind);
        Assert.Equal(PolicyChangeKind.Unchanged, Change(reload, "mail.csx").Kind);
    }

    [Theory]
    [InlineData("_draft.csx")]
    [InlineData("_shared/x.csx")]
    public void Reload_ExcludedFiles_NotPolicies(string file)
    {
        using var temp = TempFolder.WithExampleZone(("example.org/" + file, "static readonly int X = 1;"));
        var reload = new FolderLoader(temp.Path).Reload();

        Assert.Empty(reload.Policies.Changes);
        Assert.True(reload.Policies.Policies.IsEmpty);
    }

    [Fact]
    public void Reload_PolicyOutsideZoneFolder_WarnedNotServed()
    {
        using var temp = TempFolder.WithExampleZone(("www.csx", V1), ("example.org/deeper/www.csx", V1));
        var reload = new FolderLoader(temp.Path).Reload();

        Assert.True(reload.Policies.Policies.IsEmpty);
        Assert.Equal(2, reload.Policies.Warnings.Count(w => w.Id == "SCR0124"));
    }

    [Fact]
    public void Reload_CustomGlobs_Respected()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", V1), ("example.org/mail.csx", V1));
        var options = new PolicyOptions { Exclude = ["**/mail.csx"] };
        var reload = new FolderLoader(temp.Path, options).Reload();

        Assert.Equal(["www.example.org."], reload.Policies.Policies.Bindings.Select(b => b.Owner.ToString()));
    }

    [Fact]
    public void Reload_SameNameTwice_SecondFileRefused()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", V1), ("example.org/other.csx", "// scriptable: names=www\n" + V2));
        var reload = new FolderLoader(temp.Path).Reload();

        Assert.Equal("www.example.org.", reload.Policies.Policies.Bindings.Single(b => b.File.EndsWith("www.csx", StringComparison.Ordinal)).Owner.ToString());
        Assert.Contains(reload.Policies.Warnings, w => w.IsError && w.Id == "SCR0123");
    }

    [Fact]
    public void Reload_ManyTimes_OldVersionsUnload()
    {
        using var temp = TempFolder.WithExampleZone(("example.org/www.csx", V1));
        var loader = new FolderLoader(temp.Path);
        var contexts = ReloadAndRetire(temp, loader, 40);

        for (var i = 0; i < 20 && contexts.Exists(c => c.IsAlive); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        // Every replaced version is gone; only the one still serving stays loaded.
        Assert.Equal(39, contexts.Count);
        Assert.DoesNotContain(contexts, c => c.IsAlive);
    }

    // Its own frame, so that no local of the test method (which a Debug build keeps alive to the end) still
    // holds the last reload's result, and with it a retired version.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference> ReloadAndRetire(TempFolder temp, FolderLoader loader, int times)
    {
        var contexts = new List<WeakReference>();
        for (var i = 0; i < times; i++)
        {
            temp.Write("example.org/www.csx", $"static readonly byte[] Ballast = new byte[100_000];\nreturn Answer.Address(\"192.0.2.{i % 250}\");");
            contexts.AddRange(RetireAll(loader.Reload()));
        }

        return contexts;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference> RetireAll(FolderReload reload)
    {
        var handles = new List<WeakReference>();
        foreach (var version in reload.Policies.Retired)
        {
            handles.Add(version.LoadContextReference());
            version.Unload();
        }

        return handles;
    }
}
