using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;

namespace Scriptable.Server.Transport;

/// <summary>Log messages of <see cref="TcpListener"/>: each kind at most once per 10 s, with the count held back.</summary>
internal sealed partial class TcpListener
{
    [LoggerMessage(EventId = EventIds.TcpConnectionLimit, EventName = nameof(EventIds.TcpConnectionLimit), Level = LogLevel.Warning,
        Message = "TCP connection table full ({Limit}) on {Address} with every connection busy answering: a new connection was refused ({Held} more since the last report; logged at most once per 10 s).")]
    private partial void LogConnectionLimit(int limit, string address, long held);

    [LoggerMessage(EventId = EventIds.TcpClientLimit, EventName = nameof(EventIds.TcpClientLimit), Level = LogLevel.Warning,
        Message = "TCP client {Client} holds its limit of {Limit} connections on {Address}: its new connection was refused ({Held} more since the last report; logged at most once per 10 s).")]
    private partial void LogClientLimit(string client, int limit, string address, long held);

    [LoggerMessage(EventId = EventIds.TcpEvicted, EventName = nameof(EventIds.TcpEvicted), Level = LogLevel.Warning,
        Message = "TCP connection table full ({Limit}) on {Address}: a connection from {Client} ({Phase}) was closed to admit a new one ({Held} more since the last report; logged at most once per 10 s).")]
    private partial void LogEvicted(int limit, string address, string phase, string client, long held);

    [LoggerMessage(EventId = EventIds.TcpTimedOut, EventName = nameof(EventIds.TcpTimedOut), Level = LogLevel.Debug,
        Message = "TCP connection from {Client} on {Address} closed at its deadline: {Phase} ({Held} more since the last report; logged at most once per 10 s).")]
    private partial void LogTimedOut(string client, string address, string phase, long held);

    [LoggerMessage(EventId = EventIds.TcpBadFrame, EventName = nameof(EventIds.TcpBadFrame), Level = LogLevel.Debug,
        Message = "TCP frame of {Length} octets from {Client} on {Address} cannot be a DNS message: the answers before it were sent and the connection closed ({Held} more since the last report; logged at most once per 10 s).")]
    private partial void LogBadFrame(int length, string client, string address, long held);

    [LoggerMessage(EventId = EventIds.TcpAcceptPaused, EventName = nameof(EventIds.TcpAcceptPaused), Level = LogLevel.Error,
        Message = "TCP accept on {Address} failed with {Error} (out of file descriptors or memory): accepting pauses 100 ms at a time until it succeeds; raise the limit (LimitNOFILE) or lower TcpMaxConnections ({Held} more since the last report; logged at most once per 10 s).")]
    private partial void LogAcceptPaused(SocketError error, string address, long held);

    [LoggerMessage(EventId = EventIds.TcpLimitLowered, EventName = nameof(EventIds.TcpLimitLowered), Level = LogLevel.Warning,
        Message = "TCP connections on {Address} limited to {Limit}, not TcpMaxConnections {Configured}: the process may open {OpenFiles} files, and TCP may take half of them over all addresses (running out kills the process). Raise the limit (LimitNOFILE) to allow more.")]
    private partial void LogLoweredByFileLimit(string address, int limit, int configured, long openFiles);

    [LoggerMessage(EventId = EventIds.AcceptFailed, EventName = nameof(EventIds.AcceptFailed), Level = LogLevel.Debug, Message = "TCP accept failed with {Error}.")]
    private partial void LogAcceptFailed(SocketError error);
}
