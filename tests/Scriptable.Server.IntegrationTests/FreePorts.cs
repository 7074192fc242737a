using System.Net;
using System.Net.Sockets;

namespace Scriptable.Server.IntegrationTests;

/// <summary>Ports for programs that must be told one in advance (knotd, the README walk-through's server).</summary>
internal static class FreePorts
{
    /// <summary>
    /// A port free for both UDP and TCP, drawn below the kernel's ephemeral range (32768 and up on
    /// Linux) so that the outgoing connections of tests running in parallel cannot be handed it.
    /// </summary>
    public static int Next()
    {
        while (true)
        {
            var port = Random.Shared.Next(20000, 32000);
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken: draw again.
            }
        }
    }
}
