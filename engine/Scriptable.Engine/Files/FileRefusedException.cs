namespace Scriptable.Engine.Files;

/// <summary>
/// A file the folder rule did not read (it was not opened, or was closed unread). The message names the path as
/// the caller gave it and the reason, never anything of the file's content: <c>'x.zone' is not read: it leads
/// outside the policies folder</c>.
/// </summary>
public sealed class FileRefusedException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/> (as given) and <paramref name="refusal"/>.</summary>
    public FileRefusedException(string path, FileRefusal refusal, string reason)
        : base($"'{path}' is not read: {reason}")
    {
        FilePath = path;
        Refusal = refusal;
        Reason = reason;
    }

    /// <summary>Creates an exception with a message of its own.</summary>
    public FileRefusedException()
        : this("", FileRefusal.Outside, "it is outside the policies folder")
    {
    }

    /// <summary>Creates an exception with a message of its own.</summary>
    public FileRefusedException(string message)
        : base(message)
    {
        FilePath = "";
        Reason = message;
    }

    /// <summary>Creates an exception with a message of its own and a cause.</summary>
    public FileRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
        FilePath = "";
        Reason = message;
    }

    /// <summary>The path as the caller gave it.</summary>
    public string FilePath { get; }

    /// <summary>Why it was refused.</summary>
    public FileRefusal Refusal { get; }

    /// <summary>The reason in words, without the path: <c>it leads outside the policies folder</c>.</summary>
    public string Reason { get; }
}
