using Scriptable.Engine.Files;
using Scriptable.Engine.Health;

namespace Scriptable.Engine.Model;

/// <summary>
/// What the operator decides about a policies folder, beyond its policies: which other folders its files may
/// name, which files are the server's own (never data), and what its health checks may run. The folder's
/// files cannot change any of it.
/// </summary>
public sealed record FolderOptions
{
    /// <summary>Folders outside the policies folder that <c>$INCLUDE</c> and fixtures' <c>geo-databases</c> may name.</summary>
    public IReadOnlyList<string> IncludeDirectories { get; init; } = [];

    /// <summary>The server's own files (its configuration, the overrides file, state): never read as data, by any name.</summary>
    public IReadOnlyList<string> ServerFiles { get; init; } = [];

    /// <summary>What <c>command:</c> checks of <c>health.yaml</c> may run (off by default).</summary>
    public CommandCheckPolicy CommandChecks { get; init; } = CommandCheckPolicy.Off;

    /// <summary>The folder rule for <paramref name="folder"/> with these options.</summary>
    public FolderBoundary BoundaryOf(string folder) => new(folder, IncludeDirectories, ServerFiles);
}
