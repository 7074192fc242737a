namespace Scriptable.TestCommon;

/// <summary>A temporary policies folder that tests write zones and policies into; deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>The zone file every policy test can start from: example.org, with a few static names.</summary>
    public const string ExampleZone = """
        $ORIGIN example.org.
        $TTL 300
        @       IN SOA ns1 hostmaster 1 3600 600 604800 60
                IN NS  ns1
        ns1     IN A   192.0.2.53
        static  IN A   192.0.2.1
        www     IN A   192.0.2.80
        www     IN TXT "static www"
        mail    IN A   192.0.2.25
        alias   IN CNAME lb
        deep    IN CNAME alias
        sub     IN NS  ns.sub
        ns.sub  IN A   192.0.2.200
        """;

    /// <summary>Creates an empty folder.</summary>
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("scriptable-policies-").FullName;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>A folder holding the example.org zone and the given files (path relative to the folder, text).</summary>
    public static TempFolder WithExampleZone(params (string File, string Text)[] files)
    {
        var folder = new TempFolder();
        folder.Write("example.org/example.org.zone", ExampleZone);
        foreach (var (file, text) in files)
        {
            folder.Write(file, text);
        }

        return folder;
    }

    /// <summary>Writes a file (creating folders), replacing it atomically as editors do.</summary>
    public string Write(string relative, string text)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var temp = full + ".tmp~";
        File.WriteAllText(temp, text);
        File.Move(temp, full, overwrite: true);
        return full;
    }

    /// <summary>Deletes a file.</summary>
    public void Delete(string relative) => File.Delete(System.IO.Path.Combine(Path, relative));

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
