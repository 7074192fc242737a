using System.ComponentModel;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Scriptable.Engine.Health.Probes;

/// <summary>Turns what a probe threw into a reason of a few words: <c>connection refused</c>, <c>TLS: ...</c>.</summary>
internal static class ProbeErrors
{
    /// <summary>The reason for <paramref name="exception"/>.</summary>
    public static string Describe(Exception exception)
    {
        switch (exception)
        {
            case SocketException socket:
                return Describe(socket.SocketErrorCode, socket.Message);
            case HttpRequestException http:
                return http.HttpRequestError switch
                {
                    HttpRequestError.NameResolutionError => "name not resolved",
                    HttpRequestError.SecureConnectionError => "TLS: " + Innermost(http).Message.TrimEnd('.'),
                    HttpRequestError.ResponseEnded => "connection closed before the response",
                    HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError => "invalid HTTP response",
                    HttpRequestError.ConnectionError when Find<SocketException>(http) is { } inner => Describe(inner.SocketErrorCode, inner.Message),
                    _ => Find<SocketException>(http) is { } inner ? Describe(inner.SocketErrorCode, inner.Message) : Short(http.Message),
                };
            case AuthenticationException tls:
                return "TLS: " + tls.Message.TrimEnd('.');
            case IOException io when Find<SocketException>(io) is { } inner:
                return Describe(inner.SocketErrorCode, inner.Message);
            case Win32Exception win32:
                return Short(win32.Message);
            default:
                return Short(exception.GetType().Name + ": " + exception.Message);
        }
    }

    private static string Describe(SocketError error, string message) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset",
        SocketError.ConnectionAborted => "connection aborted",
        SocketError.TimedOut => "connect timeout",
        SocketError.HostUnreachable => "host unreachable",
        SocketError.NetworkUnreachable => "network unreachable",
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "name not resolved",
        SocketError.AddressNotAvailable => "address not available",
        SocketError.NoBufferSpaceAvailable or SocketError.TooManyOpenSockets => "out of sockets",
        _ => Short(message),
    };

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is { } inner)
        {
            exception = inner;
        }

        return exception;
    }

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>The first line of a message, at most 160 characters, without the final period.</summary>
    public static string Short(string message)
    {
        var line = message.AsSpan();
        var newline = line.IndexOfAny('\r', '\n');
        if (newline >= 0)
        {
            line = line[..newline];
        }

        line = line.Trim().TrimEnd('.');
        return line.Length <= 160 ? line.ToString() : string.Concat(line[..157], "...");
    }
}
