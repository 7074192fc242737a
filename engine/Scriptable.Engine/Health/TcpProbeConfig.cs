using System.Globalization;

namespace Scriptable.Engine.Health;

/// <summary>A TCP connection to <c>host:port</c> that must be accepted (then closed at once with a reset).</summary>
/// <param name="Host">An IP address or a host name (resolved at each probe).</param>
/// <param name="Port">The TCP port.</param>
public sealed record TcpProbeConfig(string Host, int Port) : HealthProbeConfig
{
    /// <inheritdoc />
    public override HealthCheckKind Kind => HealthCheckKind.Tcp;

    /// <inheritdoc />
    public override string Target => HealthEndpoint.Format(Host, Port);
}

/// <summary>Reads and writes <c>host:port</c>, <c>[v6]:port</c>.</summary>
internal static class HealthEndpoint
{
    /// <summary><c>host:port</c>, with IPv6 addresses in brackets.</summary>
    public static string Format(string host, int port) =>
        host.Contains(':', StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"[{host}]:{port}")
            : string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");

    /// <summary>
    /// Parses <c>host:port</c>, <c>[v6]:port</c>, or (with <paramref name="defaultPort"/>) a bare host; the
    /// error says what is wrong.
    /// </summary>
    public static bool TryParse(string text, int? defaultPort, out string host, out int port, out string error)
    {
        host = "";
        port = 0;
        error = "";
        string portText;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"'{text}' has no closing ']'";
                return false;
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length == 0 && defaultPort is { } d6)
            {
                port = d6;
                return CheckHost(text, host, out error);
            }

            if (!rest.StartsWith(':'))
            {
                error = $"'{text}' needs ':port' after the address";
                return false;
            }

            portText = rest[1..];
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon < 0)
            {
                if (defaultPort is { } d)
                {
                    host = text;
                    port = d;
                    return CheckHost(text, host, out error);
                }

                error = $"'{text}' has no port: write host:port, such as 192.0.2.1:80";
                return false;
            }

            host = text[..colon];
            if (host.Contains(':', StringComparison.Ordinal))
            {
                error = $"'{text}': write an IPv6 address in brackets, such as [2001:db8::1]:53";
                return false;
            }

            portText = text[(colon + 1)..];
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            error = $"'{portText}' is not a port (1-65535)";
            return false;
        }

        return CheckHost(text, host, out error);
    }

    private static bool CheckHost(string text, string host, out string error)
    {
        error = "";
        if (host.Length == 0 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            error = $"'{text}' does not start with an IP address or host name";
            return false;
        }

        return true;
    }
}
