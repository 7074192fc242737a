using System.Net;
using System.Net.Sockets;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests.Observability;

/// <summary>A query sent, and what its response said: what dnstap and the query log must show.</summary>
/// <param name="Name">The question name, with its final dot.</param>
/// <param name="Type">The question type's mnemonic.</param>
/// <param name="Tcp">True over TCP.</param>
/// <param name="Id">The query ID.</param>
/// <param name="Port">The client's port.</param>
/// <param name="Rcode">The response's rcode mnemonic.</param>
/// <param name="QuerySize">The query's length.</param>
/// <param name="ResponseSize">The response's length.</param>
public sealed record SentQuery(string Name, string Type, bool Tcp, int Id, int Port, string Rcode, int QuerySize, int ResponseSize);

/// <summary>Sends queries from known ports: one UDP socket for all UDP queries, a new connection per TCP query.</summary>
public sealed class LoopbackClient : IDisposable
{
    private readonly Socket _udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _server;
    private readonly byte[] _buffer = new byte[65535];

    /// <summary>A client of the server at <paramref name="server"/> (UDP and TCP on the same port).</summary>
    public LoopbackClient(IPEndPoint server)
    {
        _server = server;
        _udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    }

    /// <summary>The UDP socket's port.</summary>
    public int UdpPort => ((IPEndPoint)_udp.LocalEndPoint!).Port;

    /// <summary>Sends one query and waits for its response.</summary>
    public async Task<SentQuery> SendAsync(string name, ushort type, ushort id, bool tcp = false, Edns? edns = null)
    {
        var query = RawQuery.Build(name, type, id: id, edns: edns);
        byte[] response;
        int port;
        if (tcp)
        {
            using var socket = await DnsWire.ConnectTcpAsync(_server);
            port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            await socket.SendAsync(DnsWire.Frame(query), SocketFlags.None);
            response = await DnsWire.ReadFrameAsync(socket) ?? throw new InvalidOperationException("no answer over TCP");
        }
        else
        {
            port = UdpPort;
            await _udp.SendToAsync(query, SocketFlags.None, _server);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            int received;
            do
            {
                received = (await _udp.ReceiveFromAsync(_buffer, SocketFlags.None, _server, timeout.Token)).ReceivedBytes;
            }
            while (received < 2 || ((_buffer[0] << 8) | _buffer[1]) != id);

            response = _buffer[..received];
        }

        return new SentQuery(name.TrimEnd('.') + ".", RecordType.ToText(type), tcp, id, port, ResponseCode.ToText(Responses.HeaderRcode(response)), query.Length, response.Length);
    }

    /// <inheritdoc />
    public void Dispose() => _udp.Dispose();
}
