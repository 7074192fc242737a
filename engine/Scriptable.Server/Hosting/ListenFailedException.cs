using System.Net;
using System.Net.Sockets;
using Scriptable.Server.Configuration;

namespace Scriptable.Server.Hosting;

/// <summary>
/// A DNS address the server cannot listen on, said in one line an operator can act on: which address, what the
/// system answered, and the usual cause (<c>cannot listen on 127.0.0.1:53: Permission denied (ports below 1024
/// need root or CAP_NET_BIND_SERVICE)</c>).
/// </summary>
internal sealed class ListenFailedException : IOException
{
    /// <summary>Wraps the error of binding <paramref name="endPoint"/>.</summary>
    public ListenFailedException(IPEndPoint endPoint, SocketException error)
        : base($"cannot listen on {ListenAddress.Format(endPoint)}: {error.Message}{Hint(endPoint, error.SocketErrorCode)}", error)
    {
    }

    private static string Hint(IPEndPoint endPoint, SocketError code) => code switch
    {
        SocketError.AddressAlreadyInUse => " (another server has it: stop it, or choose another address with --listen)",
        SocketError.AccessDenied when endPoint.Port is > 0 and < 1024 => " (ports below 1024 need root or CAP_NET_BIND_SERVICE; the systemd unit grants it)",
        SocketError.AddressNotAvailable => " (no interface of this host has that address)",
        _ => "",
    };
}
