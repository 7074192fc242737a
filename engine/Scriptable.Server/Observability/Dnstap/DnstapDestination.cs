using System.Net;
using System.Net.Sockets;

namespace Scriptable.Server.Observability.Dnstap;

/// <summary>What kind of place dnstap messages go to.</summary>
internal enum DnstapDestinationKind
{
    /// <summary>A Frame Streams reader on a unix socket.</summary>
    Unix,

    /// <summary>A Frame Streams reader on TCP.</summary>
    Tcp,

    /// <summary>A file, written unidirectionally.</summary>
    File,
}

/// <summary>Where dnstap messages go, parsed from <c>Dnstap:Socket</c>.</summary>
/// <param name="Kind">Unix socket, TCP or file.</param>
/// <param name="Path">The socket's or file's path (unix, file).</param>
/// <param name="EndPoint">The reader's address (TCP).</param>
internal sealed record DnstapDestination(DnstapDestinationKind Kind, string Path, IPEndPoint? EndPoint)
{
    /// <summary>Parses <c>unix:/path</c>, <c>tcp:127.0.0.1:6000</c>, <c>tcp:[::1]:6000</c> or <c>file:/path</c>.</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DnstapDestination? destination, out string error)
    {
        destination = null;
        error = "";
        text = text.Trim();
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon < 0 ? "" : text[..colon];
        var rest = colon < 0 ? "" : text[(colon + 1)..];
        switch (scheme)
        {
            case "unix" or "file" when rest.Length == 0 || !System.IO.Path.IsPathRooted(rest):
                error = $"'{text}' needs an absolute path after '{scheme}:', such as {scheme}:/run/scriptable/dnstap.sock";
                return false;
            case "unix":
                destination = new DnstapDestination(DnstapDestinationKind.Unix, rest, null);
                return true;
            case "file":
                destination = new DnstapDestination(DnstapDestinationKind.File, rest, null);
                return true;
            case "tcp" when IPEndPoint.TryParse(rest, out var endPoint) && endPoint.Port > 0 && rest.Contains(':', StringComparison.Ordinal)
                && (endPoint.AddressFamily == AddressFamily.InterNetwork || rest.StartsWith('[')):
                destination = new DnstapDestination(DnstapDestinationKind.Tcp, "", endPoint);
                return true;
            case "tcp":
                error = $"'{text}' needs an address and a port after 'tcp:', such as tcp:127.0.0.1:6000 or tcp:[::1]:6000";
                return false;
            default:
                error = $"'{text}' is not unix:/path, tcp:address:port or file:/path";
                return false;
        }
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        DnstapDestinationKind.Unix => "unix:" + Path,
        DnstapDestinationKind.File => "file:" + Path,
        _ => "tcp:" + EndPoint,
    };
}
