namespace Scriptable.Server.Observability.QueryLog;

/// <summary>
/// The <c>QueryLog</c> section: one line per answered query, in the style of CoreDNS's log plugin, written by a
/// background writer to standard output or a file. Off by default.
/// </summary>
public sealed class QueryLogConfig
{
    /// <summary>The largest <see cref="QueueSize"/>.</summary>
    public const int MaxQueueSize = 1_000_000;

    /// <summary>Write the query log.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>stdout</c> (the default), or the absolute path of a file lines are appended to (each then starts with its UTC time).</summary>
    public string Output { get; set; } = "stdout";

    /// <summary>
    /// Which answers are logged: <c>success</c>, <c>denial</c> (NXDOMAIN and NODATA), <c>error</c> (SERVFAIL, REFUSED,
    /// NOTIMP, FORMERR...), or <c>all</c> (the default, also when empty), as CoreDNS's <c>class</c>.
    /// </summary>
    public List<string> Classes { get; set; } = [];

    /// <summary>Log one query in this many of those the classes select (1: every one).</summary>
    public int SampleEvery { get; set; } = 1;

    /// <summary>Lines waiting for the writer, at most; when it is behind, more are dropped and counted.</summary>
    public int QueueSize { get; set; } = 8192;

    /// <summary>True when the output is standard output.</summary>
    public bool ToStandardOutput => string.Equals(Output.Trim(), "stdout", StringComparison.OrdinalIgnoreCase);

    /// <summary>The classes selected.</summary>
    internal QueryLogClasses ParsedClasses()
    {
        var classes = QueryLogClasses.None;
        foreach (var name in Classes)
        {
            classes |= QueryLogClassifier.TryParse(name, out var one) ? one : QueryLogClasses.None;
        }

        return classes == QueryLogClasses.None ? QueryLogClasses.All : classes;
    }

    /// <summary>Every setting out of range, one line each.</summary>
    public IEnumerable<string> Validate()
    {
        foreach (var name in Classes)
        {
            if (!QueryLogClassifier.TryParse(name, out _))
            {
                yield return $"QueryLog:Classes: '{name}' is not a class: success, denial, error or all";
            }
        }

        if (SampleEvery is < 1 or > 1_000_000)
        {
            yield return $"QueryLog:SampleEvery must be between 1 (every query) and 1000000 (got {SampleEvery})";
        }

        if (QueueSize is < 1 or > MaxQueueSize)
        {
            yield return $"QueryLog:QueueSize must be between 1 and {MaxQueueSize} (got {QueueSize})";
        }

        if (!ToStandardOutput && !Path.IsPathRooted(Output.Trim()))
        {
            yield return $"QueryLog:Output: '{Output}' is neither stdout nor an absolute file path";
        }
    }
}
