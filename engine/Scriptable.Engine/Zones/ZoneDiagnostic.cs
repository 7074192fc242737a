namespace Scriptable.Engine.Zones;

/// <summary>An error or warning about zone data, located as <c>file:line: message</c>.</summary>
public sealed record ZoneDiagnostic(string File, int Line, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Message}" : $"{File}: {Message}";
}
