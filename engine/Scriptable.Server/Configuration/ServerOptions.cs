namespace Scriptable.Server.Configuration;

/// <summary>
/// The server's settings, bound from <c>scriptable.json</c>, <c>SCRIPTABLE_</c> environment variables and
/// the command line (in that order of precedence, lowest first).
/// </summary>
public sealed class ServerOptions
{
    /// <summary>The default listen address: loopback only, a port no well-known service uses.</summary>
    public const string DefaultListen = "127.0.0.1:5300";

    /// <summary>Addresses to serve DNS on, UDP and TCP each: <c>127.0.0.1:5300</c>, <c>[::1]:5300</c>.</summary>
    public List<string> Listen { get; set; } = [];

    /// <summary>The policies folder: one sub-folder per zone.</summary>
    public string Policies { get; set; } = "policies";

    /// <summary>UDP receive loops per address (one SO_REUSEPORT socket each); 0 means one per core.</summary>
    public int UdpThreads { get; set; }

    /// <summary>Seconds a TCP connection may stay idle before it is closed (RFC 7766 section 6.2.3).</summary>
    public double TcpIdleTimeoutSeconds { get; set; } = 10;

    /// <summary>Open TCP connections allowed per address; more are closed at once.</summary>
    public int TcpMaxConnections { get; set; } = 1000;

    /// <summary>Largest UDP payload we announce and send with EDNS.</summary>
    public ushort EdnsBufferSize { get; set; } = 1232;

    /// <summary>Name server identifier returned for NSID queries (RFC 5001); empty disables it.</summary>
    public string Nsid { get; set; } = "";
}
