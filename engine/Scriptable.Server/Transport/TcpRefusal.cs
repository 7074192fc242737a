namespace Scriptable.Server.Transport;

/// <summary>Why a new TCP connection was refused (the <c>tcp.reason</c> tag of <c>scriptable.tcp.connections.refused</c>).</summary>
internal enum TcpRefusal
{
    /// <summary>The client (address or network) already holds its limit of connections.</summary>
    ClientLimit,

    /// <summary>The table was full and every connection in it was busy answering, so none could be closed for it.</summary>
    TableFull,
}
