namespace Scriptable.Engine.Zones;

/// <summary>
/// An error or warning about zone data: in a file at a line (<c>file(line,col): error: message</c>, the column of the
/// entry's first field), or about a file or folder as a whole (<see cref="Line"/> 0: <c>file: error: message</c>).
/// </summary>
public sealed record ZoneDiagnostic(string File, int Line, string Message, int Column = 1)
{
    /// <summary>The diagnostic as tools print it: <c>file(line,col): error: message</c>.</summary>
    public string Format(string severity) => Line > 0 ? $"{File}({Line},{Column}): {severity}: {Message}" : $"{File}: {severity}: {Message}";

    /// <inheritdoc />
    public override string ToString() => Line > 0 ? $"{File}({Line},{Column}): {Message}" : $"{File}: {Message}";
}
