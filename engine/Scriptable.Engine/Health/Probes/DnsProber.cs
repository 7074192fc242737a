using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Health.Probes;

/// <summary>
/// A DNS query over UDP (RD clear, no EDNS). It passes when a reply to it (same id, QR set, same question)
/// has rcode NOERROR and at least one answer record, or TC set (the answer exists but is too big for UDP).
/// Other replies fail with their rcode (<c>SERVFAIL</c>, <c>REFUSED</c>) or <c>NOERROR without answers</c>;
/// datagrams that are not a reply to the query are ignored until the timeout.
/// </summary>
internal sealed class DnsProber : IHealthProber
{
    private const int MaxResponse = 4096;
    private static readonly string[] Answers = ["NOERROR", "NOERROR, 1 answer", "NOERROR, 2 answers", "NOERROR, 3 answers", "NOERROR, 4 answers"];

    private readonly DnsProbeConfig _config;
    private readonly IPEndPoint? _endPoint;
    private readonly byte[] _query;

    /// <summary>Creates the prober of one check and its query bytes.</summary>
    public DnsProber(DnsProbeConfig config)
    {
        _config = config;
        _endPoint = IPAddress.TryParse(config.Host, out var address) ? new IPEndPoint(address, config.Port) : null;
        var name = DnsName.TryParse(config.QueryName, DnsName.Root, out var parsed, out var error)
            ? parsed
            : throw new ArgumentException($"'{config.QueryName}': {error}", nameof(config));
        _query = new byte[12 + name.WireLength + 4];
        BinaryPrimitives.WriteUInt16BigEndian(_query.AsSpan(4), 1);
        name.Wire.CopyTo(_query.AsSpan(12));
        BinaryPrimitives.WriteUInt16BigEndian(_query.AsSpan(12 + name.WireLength), config.QueryType);
        BinaryPrimitives.WriteUInt16BigEndian(_query.AsSpan(14 + name.WireLength), DnsClass.IN);
    }

    /// <inheritdoc />
    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var endPoint = _endPoint ?? await ResolveAsync(cancellationToken).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(_query.Length + MaxResponse);
        try
        {
            var query = buffer.AsMemory(0, _query.Length);
            _query.CopyTo(query);
            var id = (ushort)Random.Shared.Next(0x10000);
            BinaryPrimitives.WriteUInt16BigEndian(query.Span, id);
            var response = buffer.AsMemory(_query.Length, MaxResponse);
            using var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(endPoint);
            await socket.SendAsync(query, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                int length;
                try
                {
                    length = await socket.ReceiveAsync(response, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
                {
                    // ICMP port unreachable, reported on the connected socket.
                    return ProbeResult.Fail("port unreachable");
                }

                if (Check(query.Span, response.Span[..length], id) is { } result)
                {
                    return result;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The result a datagram gives, or null if it is not a reply to the query.</summary>
    private static ProbeResult? Check(ReadOnlySpan<byte> query, ReadOnlySpan<byte> reply, ushort id)
    {
        if (reply.Length < query.Length || BinaryPrimitives.ReadUInt16BigEndian(reply) != id)
        {
            return null;
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(reply[2..]);
        if ((flags & 0x8000) == 0 || BinaryPrimitives.ReadUInt16BigEndian(reply[4..]) != 1)
        {
            return null;
        }

        // The question, compared case-insensitively (a server may echo 0x20 case).
        var question = query[12..];
        var echoed = reply.Slice(12, question.Length);
        for (var i = 0; i < question.Length; i++)
        {
            if (question[i] != echoed[i] && (question[i] | 0x20) != (echoed[i] | 0x20))
            {
                return null;
            }
        }

        var rcode = flags & 0x000F;
        var answers = BinaryPrimitives.ReadUInt16BigEndian(reply[6..]);
        var truncated = (flags & 0x0200) != 0;
        if (rcode != ResponseCode.NoError)
        {
            return ProbeResult.Fail(ResponseCode.ToText(rcode));
        }

        if (answers == 0 && !truncated)
        {
            return ProbeResult.Fail("NOERROR without answers");
        }

        return ProbeResult.Ok(answers < Answers.Length ? Answers[answers] : $"NOERROR, {answers} answers");
    }

    private async ValueTask<IPEndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        var addresses = await Dns.GetHostAddressesAsync(_config.Host, cancellationToken).ConfigureAwait(false);
        return addresses.Length == 0
            ? throw new SocketException((int)SocketError.HostNotFound)
            : new IPEndPoint(addresses[0], _config.Port);
    }
}
