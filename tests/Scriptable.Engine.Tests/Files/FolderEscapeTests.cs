using System.Diagnostics;
using Scriptable.Engine.Fixtures;
using Scriptable.Engine.Model;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Files;

/// <summary>
/// Issue 14, finding 9, for every kind of file the server reads from a policies folder: a path or a link that
/// leads out of the folder is not read, and no diagnostic quotes what the file outside holds; a FIFO is not
/// read (it would block the reload); a link loop does not make the walk endless. Through <see cref="FolderLoader"/>
/// and <see cref="FixtureSuite"/>, as the server and <c>scriptable test</c> load a folder.
/// </summary>
public sealed class FolderEscapeTests : IDisposable
{
    /// <summary>What the file outside holds: every parser would quote it (a record type, a C# type, a YAML key).</summary>
    private const string Secret = "hunter2SECRET";

    private readonly TempFolder _folder = TempFolder.WithExampleZone();
    private readonly TempFolder _outside = new();

    public FolderEscapeTests()
    {
        _outside.Write("shadow", $"{Secret} {Secret}\n");
        _outside.Write("shadow.yaml", $"{Secret}: 1\n");
        _outside.Write("example.org.zone", TempFolder.ExampleZone.Replace("static  IN A   192.0.2.1", $"{Secret} {Secret}", StringComparison.Ordinal));
    }

    private string Outside(string name) => Path.Combine(_outside.Path, name);

    private string Inside(string relative) => Path.Combine(_folder.Path, relative);

    private void Link(string relative, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Inside(relative))!);
        File.Delete(Inside(relative));
        File.CreateSymbolicLink(Inside(relative), target);
    }

    /// <summary>Every diagnostic of a reload, as shown (zones as file:line, the rest as file(line,col)).</summary>
    private static List<string> Diagnostics(FolderReload reload) =>
    [
        .. reload.ZoneResult.Errors.Select(e => e.ToString()),
        .. reload.ZoneResult.Warnings.Select(e => e.ToString()),
        .. reload.Policies.Warnings.Select(d => d.ToString()),
        .. reload.Policies.Changes.SelectMany(c => c.Diagnostics).Select(d => d.ToString()),
        .. reload.Geo.Changes.Where(c => c.Error is not null).Select(c => c.Path + ": " + c.Error),
        .. reload.HealthResult?.Diagnostics.Select(d => d.ToString()) ?? [],
    ];

    private FolderReload Reload()
    {
        using var loader = new FolderLoader(_folder.Path);
        return loader.Reload();
    }

    private static void AssertRefused(List<string> diagnostics, string file, string reason)
    {
        Assert.DoesNotContain(diagnostics, d => d.Contains(Secret, StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Contains(file, StringComparison.Ordinal) && d.Contains(reason, StringComparison.Ordinal));
    }

    public static TheoryData<string, string> IncludesOutside => new()
    {
        { "an absolute path", "$INCLUDE {outside}/shadow" },
        { "a path up and out", "$INCLUDE ../../{outsideName}/shadow" },
        { "a link in the folder", "$INCLUDE linked.zone" },
        { "a file in a linked folder", "$INCLUDE linked-folder/shadow" },
        { "an absolute path that does not exist", "$INCLUDE {outside}/none/such" },
    };

    [Theory]
    [MemberData(nameof(IncludesOutside))]
    public void Include_Outside_RefusedWithoutQuotingIt(string what, string directive)
    {
        Link("example.org/linked.zone", Outside("shadow"));
        Link("example.org/linked-folder", _outside.Path);
        _folder.Write("example.org/example.org.zone", TempFolder.ExampleZone + "\n" +
            directive.Replace("{outside}", _outside.Path, StringComparison.Ordinal).Replace("{outsideName}", Path.GetFileName(_outside.Path), StringComparison.Ordinal) + "\n");

        var reload = Reload();

        Assert.True(reload.Zones.Zones.Count == 0, what);
        AssertRefused(Diagnostics(reload), "example.org.zone(14,1)", "outside the policies folder");
    }

    [Fact]
    public void ZoneFile_LinkOutside_RefusedWithoutQuotingIt()
    {
        Link("example.org/example.org.zone", Outside("example.org.zone"));

        var reload = Reload();

        Assert.Empty(reload.Zones.Zones);
        AssertRefused(Diagnostics(reload), "example.org.zone", "outside the policies folder");
    }

    [Fact]
    public void ZoneFolder_LinkOutside_RefusedWithoutQuotingIt()
    {
        Directory.Delete(Inside("example.org"), recursive: true);
        Link("example.org", _outside.Path);

        var reload = Reload();

        Assert.Empty(reload.Zones.Zones);
        AssertRefused(Diagnostics(reload), "example.org.zone", "outside the policies folder");
    }

    [Fact]
    public void Policy_LinkOutside_RefusedWithoutQuotingIt()
    {
        Link("example.org/www.csx", Outside("shadow"));

        var reload = Reload();

        AssertRefused(Diagnostics(reload), "www.csx", "outside the policies folder");
        Assert.Null(reload.Policies.Changes.Single(c => c.File.EndsWith("www.csx", StringComparison.Ordinal)).Version);
    }

    [Fact]
    public void Helper_LinkOutside_RefusedWithoutQuotingIt()
    {
        Link("_shared/_secret.csx", Outside("shadow"));
        _folder.Write("example.org/www.csx", "#load \"../_shared/_secret.csx\"\nreturn Answer.Static;\n");

        var reload = Reload();

        AssertRefused(Diagnostics(reload), "www.csx(1,1)", "outside the policies folder");
    }

    [Fact]
    public void HealthYaml_LinkOutside_RefusedWithoutQuotingIt()
    {
        Link("health.yaml", Outside("shadow.yaml"));

        var reload = Reload();

        Assert.True(reload.HealthResult!.HasErrors);
        AssertRefused(Diagnostics(reload), "health.yaml", "outside the policies folder");
    }

    [Fact]
    public void GeoDatabase_LinkOutside_Refused()
    {
        Link("_geo/city.mmdb", Outside("shadow"));

        var reload = Reload();

        Assert.Empty(reload.Geo.Databases.Databases);
        AssertRefused(Diagnostics(reload), "city.mmdb", "outside the policies folder");
    }

    [Fact]
    public void Fixtures_LinkOutside_RefusedWithoutQuotingIt()
    {
        _folder.Write("example.org/www.csx", "return Answer.Static;\n");
        Link("example.org/www.fixtures.yaml", Outside("shadow.yaml"));

        using var suite = FixtureSuite.Load(_folder.Path);

        var diagnostics = suite.Files.SelectMany(f => f.Diagnostics).Select(d => d.ToString()).ToList();
        AssertRefused(diagnostics, "www.fixtures.yaml", "outside the policies folder");
    }

    /// <summary>A FIFO would block the reload for good (no writer ever comes): it is not a regular file, so it is not opened.</summary>
    [Theory]
    [InlineData("example.org/example.org.zone")]
    [InlineData("example.org/hosts.zone")]
    [InlineData("example.org/www.csx")]
    [InlineData("health.yaml")]
    public async Task Fifo_NotRegular_RefusedWithoutBlocking(string relative)
    {
        if (relative.EndsWith("hosts.zone", StringComparison.Ordinal))
        {
            _folder.Write("example.org/example.org.zone", TempFolder.ExampleZone + "\n$INCLUDE hosts.zone\n");
        }

        File.Delete(Inside(relative));
        using (var mkfifo = Process.Start("mkfifo", [Inside(relative)]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // Liveness, not speed: a reload that opens the FIFO never returns, so the wait is long and only fails a hang.
        var reload = await Task.Run(Reload).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Contains(Diagnostics(reload), d => d.Contains(Path.GetFileName(relative), StringComparison.Ordinal) && d.Contains("not a regular file", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        _folder.Dispose();
        _outside.Dispose();
    }
}
