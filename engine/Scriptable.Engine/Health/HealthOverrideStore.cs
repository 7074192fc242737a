using System.Text;
using System.Text.Json;
using Scriptable.Engine.Files;

namespace Scriptable.Engine.Health;

/// <summary>What reading an overrides file gave.</summary>
/// <param name="Overrides">The overrides read (empty when the file is missing or broken).</param>
/// <param name="Error">Why the file was ignored, or null: <c>overrides.json: line 3: 'kind' is ...</c>.</param>
public sealed record HealthOverrideLoad(IReadOnlyDictionary<string, HealthOverride> Overrides, string? Error);

/// <summary>
/// Keeps operators' overrides across restarts in a small JSON file:
/// <code>
/// { "version": 1, "overrides": { "eu": { "kind": "drain", "expires": "2026-05-01T12:00:00+00:00", "reason": "maintenance", "setAt": "2026-05-01T10:00:00+00:00" } } }
/// </code>
/// Writes are atomic (a temporary file renamed over the old one), so a crash never leaves half a file. A
/// broken file is reported and ignored: it never stops a server from starting.
/// </summary>
public static class HealthOverrideStore
{
    /// <summary>The largest overrides file read (16 MiB).</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>
    /// Reads <paramref name="path"/>. A missing file is no overrides and no error; a broken one is no overrides and
    /// an error. With a <paramref name="boundary"/> (the policies folder's rule), a file kept under the policies
    /// folder must really be there (a link put in its place is not followed out), and any must be a regular file.
    /// </summary>
    public static HealthOverrideLoad Load(string path, FolderBoundary? boundary = null)
    {
        var empty = new Dictionary<string, HealthOverride>(StringComparer.Ordinal);
        byte[] bytes;
        try
        {
            if (!File.Exists(path) && new FileInfo(path).LinkTarget is null)
            {
                return new HealthOverrideLoad(empty, null);
            }

            bytes = boundary is null ? File.ReadAllBytes(path) : boundary.ReadServerFile(path, MaxFileBytes);
        }
        catch (FileRefusedException ex)
        {
            return new HealthOverrideLoad(empty, $"{path}: not read: {ex.Reason}; the overrides in it are ignored");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new HealthOverrideLoad(empty, $"{path}: cannot read the file: {ex.Message}");
        }

        try
        {
            return new HealthOverrideLoad(Read(bytes), null);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $"line {line + 1}: " : "";
            return new HealthOverrideLoad(empty, $"{path}: {where}{ex.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd('.')}; the overrides in it are ignored");
        }
        catch (FormatException ex)
        {
            return new HealthOverrideLoad(empty, $"{path}: {ex.Message}; the overrides in it are ignored");
        }
    }

    /// <summary>
    /// Writes the overrides to <paramref name="path"/> atomically (temporary file, flush, rename). Each save has a
    /// temporary file of its own, so saves that overlap never take each other's file; the last rename wins, so
    /// callers that want the file to hold the last change serialise their saves.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, HealthOverride> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
                {
                    Write(writer, overrides);
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, HealthOverride> overrides)
    {
        writer.WriteStartObject();
        writer.WriteNumber("version", 1);
        writer.WriteStartObject("overrides");
        foreach (var (name, value) in overrides.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            writer.WriteStartObject(name);
            writer.WriteString("kind", HealthOverride.KindText(value.Kind));
            if (value.Expires is { } expires)
            {
                writer.WriteString("expires", expires);
            }

            if (value.Reason is { } reason)
            {
                writer.WriteString("reason", reason);
            }

            writer.WriteString("setAt", value.SetAt);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static Dictionary<string, HealthOverride> Read(byte[] bytes)
    {
        var result = new Dictionary<string, HealthOverride>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the file holds " + root.ValueKind.ToString().ToLowerInvariant() + ", not an object with 'overrides'");
        }

        if (root.TryGetProperty("version", out var version) && (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != 1))
        {
            throw new FormatException($"version {version} is not 1");
        }

        if (!root.TryGetProperty("overrides", out var overrides))
        {
            return result;
        }

        if (overrides.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("'overrides' is not an object of names to overrides");
        }

        foreach (var entry in overrides.EnumerateObject())
        {
            var value = entry.Value;
            if (value.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"'{entry.Name}' is not an object");
            }

            var kindText = value.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            if (!HealthOverride.TryParseKind(kindText, out var kind))
            {
                throw new FormatException($"'{entry.Name}': kind {(kindText is null ? "is missing" : $"'{kindText}' is not")} force-up, force-down or drain");
            }

            var expires = Time(entry.Name, value, "expires");
            var setAt = Time(entry.Name, value, "setAt") ?? DateTimeOffset.UnixEpoch;
            string? reason = null;
            if (value.TryGetProperty("reason", out var r) && r.ValueKind != JsonValueKind.Null)
            {
                reason = r.ValueKind == JsonValueKind.String ? r.GetString() : throw new FormatException($"'{entry.Name}': reason is not a string");
            }

            result[entry.Name] = new HealthOverride(kind, expires, reason, setAt);
        }

        return result;
    }

    private static DateTimeOffset? Time(string name, JsonElement value, string property)
    {
        if (!value.TryGetProperty(property, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return element.ValueKind == JsonValueKind.String && element.TryGetDateTimeOffset(out var time)
            ? time
            : throw new FormatException($"'{name}': {property} is not a time such as 2026-05-01T12:00:00+00:00");
    }

    /// <summary>The file as text, for tests and tools.</summary>
    internal static string ToJson(IReadOnlyDictionary<string, HealthOverride> overrides)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            Write(writer, overrides);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
