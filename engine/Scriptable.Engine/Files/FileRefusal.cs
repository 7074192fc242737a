namespace Scriptable.Engine.Files;

/// <summary>Why the folder rule refused to read a file (see <see cref="FolderBoundary"/>).</summary>
public enum FileRefusal
{
    /// <summary>The path, or a link on the way, leads outside the policies folder (and the allowed include folders).</summary>
    Outside,

    /// <summary>It is not a regular file: a directory, device, FIFO or socket.</summary>
    NotRegular,

    /// <summary>It is one of the server's own files (its configuration, the overrides file, state), reached under another name.</summary>
    ServerFile,

    /// <summary>It is larger than what is read of a file of its kind.</summary>
    TooLarge,

    /// <summary>Resolving it followed too many links (a loop).</summary>
    TooManyLinks,
}
