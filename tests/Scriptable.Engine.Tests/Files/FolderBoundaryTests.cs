using System.Diagnostics;
using Scriptable.Engine.Files;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Files;

/// <summary>
/// The folder rule: which paths are read (a folder that is a link, links that stay inside, ConfigMap layouts,
/// include folders) and which are refused, and why (outside, not regular, a server file by link or hard link,
/// too large, a loop), never opening a refused one; and the walk that does not follow links out or round.
/// </summary>
public sealed class FolderBoundaryTests : IDisposable
{
    private readonly TempFolder _root = new();

    public FolderBoundaryTests()
    {
        Directory.CreateDirectory(Folder);
        Directory.CreateDirectory(OutsideDir);
        File.WriteAllText(Path.Combine(OutsideDir, "secret"), "outside");
        File.WriteAllText(Path.Combine(Folder, "a.zone"), "inside");
        Directory.CreateDirectory(Path.Combine(Folder, "_shared"));
        File.WriteAllText(Path.Combine(Folder, "_shared", "common.zone"), "shared");
    }

    /// <summary>The policies folder: root/policies.</summary>
    private string Folder => Path.Combine(_root.Path, "policies");

    /// <summary>A folder beside it: root/outside.</summary>
    private string OutsideDir => Path.Combine(_root.Path, "outside");

    private string In(string relative) => Path.Combine(Folder, relative);

    private void Link(string relative, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(In(relative))!);
        File.CreateSymbolicLink(In(relative), target);
    }

    public static TheoryData<string, string, FileRefusal> Refused => new()
    {
        { "an absolute path outside", "{outside}/secret", FileRefusal.Outside },
        { "up and out", "../outside/secret", FileRefusal.Outside },
        { "up and out through a folder", "_shared/../../outside/secret", FileRefusal.Outside },
        { "a link to a file outside", "link-file", FileRefusal.Outside },
        { "a link to a folder outside", "link-dir/secret", FileRefusal.Outside },
        { "a relative link that climbs out", "climb", FileRefusal.Outside },
        { "a chain of links that ends outside", "chain1", FileRefusal.Outside },
        { "a link whose .. is taken from where it leads", "link-dir/../outside/secret", FileRefusal.Outside },
        { "a missing file outside (no existence oracle)", "{outside}/no/such/file", FileRefusal.Outside },
        { "/etc/passwd", "/etc/passwd", FileRefusal.Outside },
        { "a device through a link", "zero", FileRefusal.Outside },
        { "a folder", "_shared", FileRefusal.NotRegular },
        { "a FIFO", "fifo", FileRefusal.NotRegular },
        { "a link loop", "loop1", FileRefusal.TooManyLinks },
        { "the configuration by a link", "config-link", FileRefusal.ServerFile },
        { "the configuration kept in the folder", "scriptable.json", FileRefusal.ServerFile },
        { "the configuration by a hard link", "config-hard", FileRefusal.ServerFile },
        { "the overrides file", "health-overrides.json", FileRefusal.ServerFile },
        { "the overrides file from below", "_shared/../health-overrides.json", FileRefusal.ServerFile },
        { "a file too large", "big", FileRefusal.TooLarge },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Read_Refused_ReasonAndNothingRead(string what, string path, FileRefusal refusal)
    {
        var config = Path.Combine(OutsideDir, "scriptable.json");
        File.WriteAllText(config, "{ \"Admin\": { \"Token\": \"s3cret\" } }");
        File.WriteAllText(In("health-overrides.json"), "{}");
        Run("ln", config, In("config-hard"));
        File.WriteAllText(In("scriptable.json"), "{ \"Admin\": { \"Token\": \"s3cret\" } }");
        Link("config-link", "scriptable.json");
        Link("link-file", Path.Combine(OutsideDir, "secret"));
        Link("link-dir", OutsideDir);
        Link("climb", "../outside/secret");
        Link("chain1", "chain2");
        Link("chain2", "_shared/chain3");
        Link("_shared/chain3", "../../outside/secret");
        Link("loop1", "loop2");
        Link("loop2", "loop1");
        Link("zero", "/dev/zero");
        File.WriteAllText(In("big"), new string('x', 2048));
        Run("mkfifo", In("fifo"));
        var boundary = new FolderBoundary(Folder, serverFiles: [config, In("scriptable.json"), In("health-overrides.json")]);
        var named = path.Replace("{outside}", OutsideDir, StringComparison.Ordinal);
        named = Path.IsPathRooted(named) ? named : Path.Combine(Folder, named);

        var ex = Assert.Throws<FileRefusedException>(() => boundary.ReadText(named, maxBytes: 1024));

        Assert.True(refusal == ex.Refusal, $"{what}: {ex.Refusal}: {ex.Message}");
        Assert.Equal($"'{named}' is not read: {ex.Reason}", ex.Message);
        Assert.DoesNotContain("outside\"", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> Read => new()
    {
        { "a file", "a.zone", "inside" },
        { "a relative link inside", "b.zone", "inside" },
        { "a link to a shared folder inside", "shared-link/common.zone", "shared" },
        { "out and back in", "back.zone", "inside" },
        { "a ConfigMap key (link through ..data)", "configmap/example.org.zone", "configmap" },
        { "a link with .. that stays inside", "_shared/../a.zone", "inside" },
    };

    [Theory]
    [MemberData(nameof(Read))]
    public void Read_Inside_Read(string what, string path, string expected)
    {
        Link("b.zone", "a.zone");
        Link("shared-link", "_shared");
        File.CreateSymbolicLink(Path.Combine(OutsideDir, "back"), In("a.zone"));
        Link("back.zone", Path.Combine(OutsideDir, "back"));

        // Kubernetes: the volume holds ..2026_05_01/, ..data -> ..2026_05_01, and each key -> ..data/key.
        Directory.CreateDirectory(In("configmap/..2026_05_01"));
        File.WriteAllText(In("configmap/..2026_05_01/example.org.zone"), "configmap");
        Link("configmap/..data", "..2026_05_01");
        Link("configmap/example.org.zone", "..data/example.org.zone");

        Assert.True(expected == new FolderBoundary(Folder).ReadText(In(path), 1024), what);
    }

    /// <summary>A policies folder that is itself a link (a release directory swapped by a deploy) works.</summary>
    [Fact]
    public void Read_FolderIsALink_Read()
    {
        var link = Path.Combine(_root.Path, "current");
        File.CreateSymbolicLink(link, Folder);

        Assert.Equal("inside", new FolderBoundary(link).ReadText(Path.Combine(link, "a.zone"), 1024));
        Assert.Equal("inside", new FolderBoundary(Folder).ReadText(Path.Combine(link, "a.zone"), 1024));
    }

    /// <summary>Include folders the operator lists allow $INCLUDE (and fixtures' databases) there, and nothing else.</summary>
    [Fact]
    public void Read_IncludeFolder_OnlyForIncludes()
    {
        var boundary = new FolderBoundary(Folder, includeDirectories: [OutsideDir]);
        var secret = Path.Combine(OutsideDir, "secret");

        Assert.Equal("outside", boundary.ReadText(secret, 1024, included: true));
        Assert.Equal(FileRefusal.Outside, Assert.Throws<FileRefusedException>(() => boundary.ReadText(secret, 1024)).Refusal);
        Assert.Equal(FileRefusal.Outside, Assert.Throws<FileRefusedException>(() => boundary.ReadText("/etc/hostname", 1024, included: true)).Refusal);
    }

    [Fact]
    public void Read_MissingInside_FileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => new FolderBoundary(Folder).ReadText(In("_shared/none.zone"), 1024));
    }

    /// <summary>The overrides file under the folder is read as the server's file, but not through a link that leads out.</summary>
    [Fact]
    public void ReadServerFile_UnderFolder_MustStayInside()
    {
        var boundary = new FolderBoundary(Folder);
        File.WriteAllText(In("own.json"), "{}");
        Link("linked.json", Path.Combine(OutsideDir, "secret"));

        Assert.Equal("{}"u8.ToArray(), boundary.ReadServerFile(In("own.json"), 1024));
        Assert.Equal(FileRefusal.Outside, Assert.Throws<FileRefusedException>(() => boundary.ReadServerFile(In("linked.json"), 1024)).Refusal);
        Assert.Equal("outside"u8.ToArray(), boundary.ReadServerFile(Path.Combine(OutsideDir, "secret"), 1024));
    }

    /// <summary>
    /// The walk follows a link to a folder only inside, and each real folder once: links that loop (even two per
    /// folder, which the globber would walk 2^40 ways) and links out cost nothing; links to files are listed.
    /// </summary>
    [Fact]
    public async Task EnumerateFiles_LoopsAndLinksOut_Finite()
    {
        Link("_shared/loop", "..");
        Link("_shared/loop2", "..");
        Link("_shared/self", ".");
        Link("out", OutsideDir);
        Link("shared-again", "_shared");
        Link("link-file", Path.Combine(OutsideDir, "secret"));

        var files = await Task.Run(() => new FolderBoundary(Folder).EnumerateFiles(Folder)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(
            [In("_shared/common.zone"), In("a.zone"), In("link-file")],
            files.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EnumerateFiles_StartOutside_Nothing()
    {
        Link("out", OutsideDir);

        Assert.Empty(new FolderBoundary(Folder).EnumerateFiles(In("out")));
    }

    /// <summary>A file the operator named may be anywhere, but must be a regular file.</summary>
    [Fact]
    public void OpenOperatorFile_RegularOnly()
    {
        using (var stream = FolderBoundary.OpenOperatorFile(Path.Combine(OutsideDir, "secret")))
        {
            Assert.Equal(7, stream.Length);
        }

        Assert.Equal(FileRefusal.NotRegular, Assert.Throws<FileRefusedException>(() => FolderBoundary.OpenOperatorFile("/dev/zero")).Refusal);
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(program, arguments);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    public void Dispose() => _root.Dispose();
}
