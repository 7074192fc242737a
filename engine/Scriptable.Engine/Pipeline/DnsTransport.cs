namespace Scriptable.Engine.Pipeline;

/// <summary>How a query arrived.</summary>
public enum DnsTransport
{
    /// <summary>A UDP datagram: answers are limited in size and may be truncated.</summary>
    Udp,

    /// <summary>A TCP stream (RFC 7766): answers are sent in full.</summary>
    Tcp,
}
