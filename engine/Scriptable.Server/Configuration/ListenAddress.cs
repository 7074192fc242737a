using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Scriptable.Server.Configuration;

/// <summary>
/// Parses listen addresses: <c>127.0.0.1:5300</c>, <c>[::1]:5300</c>, and an address alone (<c>::1</c>,
/// <c>127.0.0.1</c>) for port 53. Port 0 asks the system for a free port (tests use it).
/// </summary>
public static class ListenAddress
{
    /// <summary>Parses one address, or returns an error message.</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? endPoint, out string? error)
    {
        endPoint = null;
        error = $"'{text}' is not a listen address (examples: 127.0.0.1:5300, [::1]:5300)";
        text = text.Trim();
        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < text.Length && text[close + 1] != ':'))
            {
                return false;
            }

            host = text[1..close];
            port = close + 1 < text.Length ? text[(close + 2)..] : null;
        }
        else if (text.Count(c => c == ':') == 1)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            host = text[..colon];
            port = text[(colon + 1)..];
        }
        else
        {
            host = text;
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            return false;
        }

        var portNumber = 53;
        if (port is not null && !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out portNumber))
        {
            return false;
        }

        if (portNumber > IPEndPoint.MaxPort)
        {
            return false;
        }

        endPoint = new IPEndPoint(address, portNumber);
        error = null;
        return true;
    }

    /// <summary>Formats an endpoint the way it is parsed.</summary>
    public static string Format(IPEndPoint endPoint) =>
        endPoint.Address.AddressFamily == AddressFamily.InterNetworkV6
            ? $"[{endPoint.Address}]:{endPoint.Port.ToString(CultureInfo.InvariantCulture)}"
            : $"{endPoint.Address}:{endPoint.Port.ToString(CultureInfo.InvariantCulture)}";
}
