namespace Scriptable.Server.Transport;

/// <summary>Why a TCP connection ended (the <c>tcp.reason</c> tag of <c>scriptable.tcp.connections.closed</c>).</summary>
internal enum TcpCloseReason
{
    /// <summary>The client closed its side or reset the connection.</summary>
    Client,

    /// <summary>No message began within the idle timeout after the last complete one.</summary>
    IdleTimeout,

    /// <summary>A message did not arrive whole within the message timeout from its first octet.</summary>
    MessageTimeout,

    /// <summary>The client did not take its answers within the send timeout.</summary>
    SendTimeout,

    /// <summary>Closed to make room for a new connection when the table was full.</summary>
    Evicted,

    /// <summary>A frame shorter than a DNS header: nothing sensible can follow on the stream.</summary>
    BadFrame,

    /// <summary>The server is stopping.</summary>
    Shutdown,
}
