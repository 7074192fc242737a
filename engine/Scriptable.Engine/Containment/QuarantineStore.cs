using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scriptable.Engine.Containment;

/// <summary>A question a quarantined version was answering when the process died (or got stuck).</summary>
/// <param name="Question">Name and type: <c>www.example.org. TXT</c>.</param>
/// <param name="Client">The client's address.</param>
/// <param name="Port">Its port.</param>
/// <param name="Transport">udp, tcp, or load (static initialisation).</param>
/// <param name="At">When the run started.</param>
/// <param name="Query">The query's bytes (the first 272), hex: enough to replay it.</param>
internal sealed record QuarantineQuestion(string Question, string? Client, int Port, string Transport, DateTimeOffset At, string Query);

/// <summary>One quarantined version of a policy file: it is not loaded until the file's content changes or it is released.</summary>
/// <param name="File">The policy file, relative to the policies folder.</param>
/// <param name="Hash">SHA-256 of its content (file and helpers), hex.</param>
/// <param name="Revision">Its revision in the process that died.</param>
/// <param name="Since">When it was quarantined.</param>
/// <param name="Reason">Why, as a sentence.</param>
/// <param name="Questions">What it was doing.</param>
/// <param name="Suspects">How many versions were running at that moment (more than 1: it may be innocent).</param>
/// <param name="Truncated">True if <paramref name="File"/> is only the start of a path too long for the journal.</param>
internal sealed record QuarantineEntry(string File, string Hash, int Revision, DateTimeOffset Since, string Reason, IReadOnlyList<QuarantineQuestion> Questions, int Suspects, bool Truncated = false)
{
    /// <summary>True if this entry stands for (<paramref name="file"/>, <paramref name="hash"/>).</summary>
    public bool Matches(string file, string hash) =>
        string.Equals(Hash, hash, StringComparison.OrdinalIgnoreCase) && (Truncated ? file.StartsWith(File, StringComparison.Ordinal) : File == file);
}

/// <summary>
/// The quarantine: policy versions that were running when the process died, or stuck when it stopped, with the
/// question(s) and why; and every file's strikes (how many of its versions were ever quarantined). Kept in
/// <c>quarantine.json</c> in the state directory. A version is released when its file's content changes (the new
/// content is another version), or by <see cref="Release"/>. Thread-safe.
/// </summary>
internal sealed class QuarantineStore
{
    /// <summary>The file's name in the state directory.</summary>
    public const string FileName = "quarantine.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly string? _path;
    private readonly Lock _gate = new();
    private List<QuarantineEntry> _entries = [];
    private Dictionary<string, int> _strikes = new(StringComparer.Ordinal);

    private QuarantineStore(string? path)
    {
        _path = path;
    }

    /// <summary>Where it is kept (null: in memory only).</summary>
    public string? Path => _path;

    /// <summary>The quarantined versions.</summary>
    public IReadOnlyList<QuarantineEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Reads the store at <paramref name="path"/> (null: in memory). A file that cannot be read is reported in <paramref name="error"/> and treated as empty.</summary>
    public static QuarantineStore Load(string? path, out string? error)
    {
        error = null;
        var store = new QuarantineStore(path);
        if (path is null || !File.Exists(path))
        {
            return store;
        }

        try
        {
            var saved = JsonSerializer.Deserialize<Saved>(File.ReadAllBytes(path), Json);
            store._entries = [.. saved?.Quarantined ?? []];
            store._strikes = new Dictionary<string, int>(saved?.Strikes ?? [], StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            error = $"'{path}' cannot be read ({ex.Message}); starting with an empty quarantine";
        }

        return store;
    }

    /// <summary>The entry for (<paramref name="file"/>, <paramref name="hash"/>), or null.</summary>
    public QuarantineEntry? Find(string file, string hash)
    {
        lock (_gate)
        {
            return _entries.Find(e => e.Matches(file, hash));
        }
    }

    /// <summary>True if (<paramref name="file"/>, <paramref name="hash"/>) is quarantined.</summary>
    public bool IsQuarantined(string file, string hash) => Find(file, hash) is not null;

    /// <summary>How many versions of <paramref name="file"/> were ever quarantined.</summary>
    public int Strikes(string file)
    {
        lock (_gate)
        {
            return _strikes.GetValueOrDefault(file);
        }
    }

    /// <summary>Quarantines a version (a strike for its file) and saves. Returns its strikes.</summary>
    public int Add(QuarantineEntry entry)
    {
        lock (_gate)
        {
            _entries.RemoveAll(e => e.File == entry.File && string.Equals(e.Hash, entry.Hash, StringComparison.OrdinalIgnoreCase));
            _entries.Add(entry);
            var strikes = _strikes[entry.File] = _strikes.GetValueOrDefault(entry.File) + 1;
            Save();
            return strikes;
        }
    }

    /// <summary>
    /// Releases the versions whose hash starts with <paramref name="hashPrefix"/> (at least 8 hex digits; the whole
    /// hash is safest) and saves. Returns what was released.
    /// </summary>
    public IReadOnlyList<QuarantineEntry> Release(string hashPrefix)
    {
        if (hashPrefix.Length < 8)
        {
            return [];
        }

        lock (_gate)
        {
            var released = _entries.FindAll(e => e.Hash.StartsWith(hashPrefix, StringComparison.OrdinalIgnoreCase));
            if (released.Count > 0)
            {
                _entries.RemoveAll(released.Contains);
                Save();
            }

            return released;
        }
    }

    private void Save()
    {
        if (_path is null)
        {
            return;
        }

        StateDirectory.WriteAtomically(_path, JsonSerializer.SerializeToUtf8Bytes(new Saved { Quarantined = _entries, Strikes = _strikes }, Json));
    }

    private sealed class Saved
    {
        public List<QuarantineEntry>? Quarantined { get; set; }

        public Dictionary<string, int>? Strikes { get; set; }
    }
}
