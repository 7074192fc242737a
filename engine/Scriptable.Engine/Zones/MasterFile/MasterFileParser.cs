using Scriptable.Engine.Files;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// Reads RFC 1035 master files (zone files) the way BIND does: directives, owner and TTL rules, multi-line
/// records, and RDATA for the common types plus the RFC 3597 generic form. Reports every problem with its
/// file and line instead of throwing. See README.md in this folder.
/// </summary>
internal static class MasterFileParser
{
    /// <summary>The largest zone file, or <c>$INCLUDE</c>d file, read (256 MiB: a million records take about 40 MiB).</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>
    /// Reads a zone file from disk, following <c>$INCLUDE</c> relative to the including file's directory. Every
    /// file is read through <paramref name="boundary"/>, the folder rule (default: the zone file's own folder):
    /// an <c>$INCLUDE</c> outside the folder and its include folders, a link that leads out, a file that is not a
    /// regular file, or one of the server's own files is refused, unopened, with the reason and nothing of its
    /// content. An unreadable or refused zone file is reported as an error on line 0.
    /// </summary>
    public static MasterFileResult ParseFile(string path, DnsName origin, FolderBoundary? boundary = null)
    {
        boundary ??= new FolderBoundary(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string text;
        try
        {
            text = boundary.ReadText(path, MaxFileBytes);
        }
        catch (FileRefusedException e)
        {
            return new MasterFileResult([], [new ZoneDiagnostic(path, 0, $"not read: {e.Reason}")], []);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new MasterFileResult([], [new ZoneDiagnostic(path, 0, $"cannot read zone file: {e.Message}")], []);
        }

        return ParseText(text, path, origin, include => boundary.ReadText(include, MaxFileBytes, included: true));
    }

    /// <summary>
    /// Parses zone-file text for the zone <paramref name="origin"/> (also the initial <c>$ORIGIN</c>).
    /// <paramref name="fileName"/> names the text in diagnostics and anchors relative <c>$INCLUDE</c> paths;
    /// <paramref name="readInclude"/> maps such a path to its text (default: read the file from disk) and may
    /// throw <see cref="FileNotFoundException"/> or <see cref="IOException"/>, reported as errors.
    /// </summary>
    public static MasterFileResult ParseText(string text, string fileName, DnsName origin, Func<string, string>? readInclude = null) =>
        new MasterFileLoader(origin, readInclude ?? File.ReadAllText).Load(text, fileName);
}
