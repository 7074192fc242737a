namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>An error or warning found while reading a zone, with the file and 1-based line it refers to.</summary>
/// <param name="File">The file the problem is in (for <c>$INCLUDE</c>d lines, the included file's path).</param>
/// <param name="Line">The 1-based line where the record or directive starts; 0 when the whole file is concerned.</param>
/// <param name="Message">What is wrong, as a sentence fragment that names the offending text.</param>
public sealed record ZoneDiagnostic(string File, int Line, string Message)
{
    /// <summary>Formats the diagnostic as <c>file:line: message</c>.</summary>
    public override string ToString() => $"{File}:{Line}: {Message}";
}
