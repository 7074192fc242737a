namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// What a master file yielded: its records in file order (records with errors are left out) and every
/// diagnostic found. The zone is usable only when <see cref="Errors"/> is empty.
/// </summary>
internal sealed record MasterFileResult(
    IReadOnlyList<ResourceRecord> Records,
    IReadOnlyList<ZoneDiagnostic> Errors,
    IReadOnlyList<ZoneDiagnostic> Warnings)
{
    /// <summary>True when no errors were found.</summary>
    public bool Succeeded => Errors.Count == 0;
}
