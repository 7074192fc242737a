using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Scriptable.Engine.Policies.Compilation;

namespace Scriptable.Engine.Containment;

/// <summary>A helper file (<c>#load</c>) of a stored version: its path as the compiler resolved it, and the stored copy.</summary>
/// <param name="Path">The path the policy's <c>#load</c> resolved to.</param>
/// <param name="Stored">The copy's file name in the version's directory.</param>
internal sealed record StoredHelper(string Path, string Stored);

/// <summary>One version kept in the last-good store (its <c>manifest.json</c>).</summary>
/// <param name="File">The policy file, relative to the policies folder.</param>
/// <param name="Hash">SHA-256 of its content (file, fixture file and helpers), hex: the catalog's content hash.</param>
/// <param name="ClassName">The compiled class holding <c>Run</c>.</param>
/// <param name="EngineBuild">The engine build it was compiled against (its module version id): other builds recompile the source.</param>
/// <param name="AssemblySha256">SHA-256 of <c>policy.dll</c>, checked before it is loaded.</param>
/// <param name="PdbSha256">SHA-256 of <c>policy.pdb</c>.</param>
/// <param name="WentLive">When it was first loaded to serve.</param>
/// <param name="Helpers">Its helpers.</param>
/// <param name="Tried">True if it passed a trial in a child process before it went live (false: compiled and loaded without one).</param>
internal sealed record StoredVersion(string File, string Hash, string ClassName, string EngineBuild, string AssemblySha256, string PdbSha256, DateTimeOffset WentLive, IReadOnlyList<StoredHelper> Helpers, bool Tried = false)
{
    /// <summary>The directory holding it (not serialized).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Directory { get; init; } = "";
}

/// <summary>
/// The last good versions of every policy file, kept in the state directory (<c>versions/</c>): each version that
/// went live keeps its source (the file, its fixture file's content and its <c>#load</c> helpers) and its compiled
/// assembly and PDB, so that at start a quarantined file is served by its previous good version without recompiling,
/// and a file whose content is stored loads without compiling or another trial. Loading stored bytes runs
/// code from the state directory: the assembly's SHA-256 recorded when it was written is checked first, and the
/// directory must be writable by the server's user only (<see cref="StateDirectory.Prepare"/>). A version compiled by
/// another engine build is compiled again from its stored source. The newest three per file are kept.
/// </summary>
internal sealed class LastGoodStore
{
    /// <summary>The store's folder in the state directory.</summary>
    public const string FolderName = "versions";

    /// <summary>Versions kept per file.</summary>
    public const int KeepPerFile = 3;

    private const string Manifest = "manifest.json";
    private const string FixturesFile = "fixtures.txt";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The build of the engine (and policy API) compiled policies reference.</summary>
    public static readonly string EngineBuild = typeof(Scriptable.Policies.Answer).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    private readonly string _root;

    /// <summary>A store in <paramref name="root"/> (created on first write).</summary>
    public LastGoodStore(string root)
    {
        _root = root;
    }

    /// <summary>The store's directory.</summary>
    public string Root => _root;

    /// <summary>
    /// Keeps a version that went live (<paramref name="fixtures"/>: its fixture file's content as the content hash
    /// covers it; <paramref name="tried"/>: it passed a trial), unless it is kept already, then drops the oldest
    /// beyond <see cref="KeepPerFile"/> for its file.
    /// </summary>
    public void Keep(string file, string hash, string text, string fixtures, CompiledPolicy compiled, bool tried)
    {
        var folder = FileFolder(file);
        var directory = Path.Combine(folder, hash);
        if (File.Exists(Path.Combine(directory, Manifest)) || compiled.Assembly is null || compiled.Pdb is null)
        {
            return;
        }

        StateDirectory.CreatePrivate(_root);
        StateDirectory.CreatePrivate(folder);
        var temp = directory + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (Directory.Exists(temp))
        {
            Directory.Delete(temp, recursive: true);
        }

        StateDirectory.CreatePrivate(temp);
        StateDirectory.WriteAtomically(Path.Combine(temp, "policy.csx"), Encoding.UTF8.GetBytes(text));
        StateDirectory.WriteAtomically(Path.Combine(temp, FixturesFile), Encoding.UTF8.GetBytes(fixtures));
        var helpers = new List<StoredHelper>();
        for (var i = 0; i < compiled.Helpers.Count; i++)
        {
            var stored = $"helper-{i}.csx";
            StateDirectory.WriteAtomically(Path.Combine(temp, stored), Encoding.UTF8.GetBytes(compiled.Helpers[i].Text));
            helpers.Add(new StoredHelper(compiled.Helpers[i].Path, stored));
        }

        StateDirectory.WriteAtomically(Path.Combine(temp, "policy.dll"), compiled.Assembly);
        StateDirectory.WriteAtomically(Path.Combine(temp, "policy.pdb"), compiled.Pdb);
        var manifest = new StoredVersion(file, hash, compiled.ClassName, EngineBuild, Sha256(compiled.Assembly), Sha256(compiled.Pdb), TimeProvider.System.GetUtcNow(), helpers, tried);
        StateDirectory.WriteAtomically(Path.Combine(temp, Manifest), JsonSerializer.SerializeToUtf8Bytes(manifest, Json));
        Directory.Move(temp, directory);
        Prune(folder);
    }

    /// <summary>The stored versions of <paramref name="file"/>, newest first.</summary>
    public IReadOnlyList<StoredVersion> Versions(string file)
    {
        var folder = FileFolder(file);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var versions = new List<StoredVersion>();
        foreach (var directory in Directory.EnumerateDirectories(folder))
        {
            if (ReadManifest(directory) is { } version && version.File == file)
            {
                versions.Add(version);
            }
        }

        versions.Sort((a, b) => b.WentLive.CompareTo(a.WentLive));
        return versions;
    }

    /// <summary>The stored source: the policy's text, its fixture file's content, and its helpers by the path the compiler asks for.</summary>
    public static (string Text, string Fixtures, Dictionary<string, string> Helpers)? Source(StoredVersion version)
    {
        try
        {
            var helpers = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var helper in version.Helpers)
            {
                helpers[helper.Path] = File.ReadAllText(Path.Combine(version.Directory, Path.GetFileName(helper.Stored)));
            }

            var fixtures = Path.Combine(version.Directory, FixturesFile);
            return (File.ReadAllText(Path.Combine(version.Directory, "policy.csx")), File.Exists(fixtures) ? File.ReadAllText(fixtures) : "", helpers);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The stored compiled version, after checking its SHA-256 and that this engine build compiled it; null with the
    /// reason otherwise (then compile the stored source instead).
    /// </summary>
    public static CompiledPolicy? Compiled(StoredVersion version, out string? problem)
    {
        problem = null;
        if (version.EngineBuild != EngineBuild)
        {
            problem = "it was compiled by another build of scriptable";
            return null;
        }

        try
        {
            var assembly = File.ReadAllBytes(Path.Combine(version.Directory, "policy.dll"));
            var pdb = File.ReadAllBytes(Path.Combine(version.Directory, "policy.pdb"));
            if (Sha256(assembly) != version.AssemblySha256 || Sha256(pdb) != version.PdbSha256)
            {
                problem = "its stored assembly does not match the SHA-256 recorded when it was written";
                return null;
            }

            var helpers = Source(version)?.Helpers.Select(h => (h.Key, h.Value)).ToList() ?? [];
            return new CompiledPolicy(assembly, pdb, version.ClassName, [], helpers, TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = ex.Message;
            return null;
        }
    }

    /// <summary>The folder of one policy file's versions: its path made a file name, and a hash against clashes.</summary>
    private string FileFolder(string file)
    {
        var name = new StringBuilder();
        foreach (var c in file)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        }

        if (name.Length > 80)
        {
            name.Remove(0, name.Length - 80);
        }

        return Path.Combine(_root, name + "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(file)))[..8]);
    }

    private static StoredVersion? ReadManifest(string directory)
    {
        try
        {
            var path = Path.Combine(directory, Manifest);
            return File.Exists(path) ? JsonSerializer.Deserialize<StoredVersion>(File.ReadAllBytes(path), Json) is { } version ? version with { Directory = directory } : null : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private static void Prune(string folder)
    {
        var versions = new List<StoredVersion>();
        foreach (var directory in Directory.EnumerateDirectories(folder))
        {
            if (ReadManifest(directory) is { } version)
            {
                versions.Add(version);
            }
        }

        versions.Sort((a, b) => b.WentLive.CompareTo(a.WentLive));
        foreach (var old in versions.Skip(KeepPerFile))
        {
            Directory.Delete(old.Directory, recursive: true);
        }
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
