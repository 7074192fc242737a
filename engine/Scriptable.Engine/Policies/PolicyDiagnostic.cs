using System.Globalization;

namespace Scriptable.Engine.Policies;

/// <summary>
/// One problem with a policy, located in the file the user wrote, printed the way compilers print them:
/// <c>policies/example.com/www.csx(6,16): error CS1061: ...</c>.
/// </summary>
/// <param name="File">The file (as the policies folder path was given, so the user recognises it).</param>
/// <param name="Line">1-based line, 0 if unknown.</param>
/// <param name="Column">1-based column, 0 if unknown.</param>
/// <param name="IsError">Error (the policy does not load) or warning.</param>
/// <param name="Id">The diagnostic id: <c>CSxxxx</c> from the C# compiler, <c>SCRxxxx</c> from Scriptable.</param>
/// <param name="Message">What is wrong.</param>
public sealed record PolicyDiagnostic(string File, int Line, int Column, bool IsError, string Id, string Message)
{
    /// <summary>Creates an error.</summary>
    public static PolicyDiagnostic Error(string file, int line, int column, string id, string message) =>
        new(file, line, column, true, id, message);

    /// <inheritdoc />
    public override string ToString() => Line > 0
        ? string.Create(CultureInfo.InvariantCulture, $"{File}({Line},{Column}): {(IsError ? "error" : "warning")} {Id}: {Message}")
        : $"{File}: {(IsError ? "error" : "warning")} {Id}: {Message}";
}
