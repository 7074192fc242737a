using Scriptable.Engine.Policies;

namespace Scriptable.Engine.Fixtures;

/// <summary>A fixture file as read: its cases, and what is wrong with it (a file with errors runs no case).</summary>
/// <param name="File">The path shown in messages.</param>
/// <param name="Cases">The cases, in file order.</param>
/// <param name="Diagnostics">Errors and warnings, as <c>file(line,col): error FIXnnn: message</c>.</param>
public sealed record FixtureFile(string File, IReadOnlyList<FixtureCase> Cases, IReadOnlyList<PolicyDiagnostic> Diagnostics)
{
    /// <summary>The file name suffix that makes a file a fixture file: <c>www.fixtures.yaml</c> holds the cases of <c>www.csx</c>.</summary>
    public const string Suffix = ".fixtures.yaml";

    /// <summary>True when the file has errors.</summary>
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}
