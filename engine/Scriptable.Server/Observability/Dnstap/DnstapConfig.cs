namespace Scriptable.Server.Observability.Dnstap;

/// <summary>
/// The <c>Dnstap</c> section: where AUTH_QUERY and AUTH_RESPONSE messages go, as Frame Streams of
/// <c>protobuf:dnstap.Dnstap</c>. Off (the default) while <see cref="Socket"/> is empty.
/// </summary>
public sealed class DnstapConfig
{
    /// <summary>The largest <see cref="QueueSize"/>.</summary>
    public const int MaxQueueSize = 1_000_000;

    /// <summary>
    /// Where to send: <c>unix:/run/dnstap.sock</c> or <c>tcp:127.0.0.1:6000</c> (a Frame Streams reader, bidirectional
    /// handshake; reconnected with backoff when it goes away) or <c>file:/var/log/scriptable.dnstap</c> (written anew
    /// at each start). Empty: dnstap is off.
    /// </summary>
    public string Socket { get; set; } = "";

    /// <summary>The <c>identity</c> of every message; empty means the host name.</summary>
    public string Identity { get; set; } = "";

    /// <summary>The <c>version</c> of every message; empty means <c>scriptable</c> and its version.</summary>
    public string Version { get; set; } = "";

    /// <summary>Send AUTH_QUERY messages.</summary>
    public bool Queries { get; set; } = true;

    /// <summary>Send AUTH_RESPONSE messages.</summary>
    public bool Responses { get; set; } = true;

    /// <summary>Queries waiting for the writer, at most; when it is behind, more are dropped and counted.</summary>
    public int QueueSize { get; set; } = 8192;

    /// <summary>True when dnstap is on.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Socket);

    /// <summary>Every setting out of range, one line each.</summary>
    public IEnumerable<string> Validate()
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!DnstapDestination.TryParse(Socket, out _, out var error))
        {
            yield return "Dnstap:Socket: " + error;
        }

        if (QueueSize is < 1 or > MaxQueueSize)
        {
            yield return $"Dnstap:QueueSize must be between 1 and {MaxQueueSize} (got {QueueSize})";
        }

        if (!Queries && !Responses)
        {
            yield return "Dnstap:Queries and Dnstap:Responses are both false: nothing would be sent; set one of them, or leave Dnstap:Socket empty";
        }
    }
}
