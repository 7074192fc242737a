namespace Scriptable.Policies;

/// <summary>How a query reached the server.</summary>
public enum QueryTransport
{
    /// <summary>A UDP datagram.</summary>
    Udp,

    /// <summary>A TCP connection.</summary>
    Tcp,
}
