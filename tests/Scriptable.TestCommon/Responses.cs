using System.Buffers.Binary;
using ARSoft.Tools.Net.Dns;

namespace Scriptable.TestCommon;

/// <summary>Reads responses with ARSoft's parser, an independent oracle for our writer.</summary>
public static class Responses
{
    /// <summary>Parses a response; fails the test if ARSoft cannot.</summary>
    public static DnsMessage Parse(byte[] response) => DnsMessage.Parse(new ArraySegment<byte>(response));

    /// <summary>The header rcode bits (low 4).</summary>
    public static int HeaderRcode(byte[] response) => response[3] & 0xF;

    /// <summary>The header flags word.</summary>
    public static ushort Flags(byte[] response) => BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(2));

    /// <summary>Answer records as zone-file-like lines ("name ttl type rdata"), for readable asserts.</summary>
    public static IReadOnlyList<string> Lines(IEnumerable<DnsRecordBase> records) =>
        records.Select(r => r.ToString()).ToList();

    /// <summary>The ECS option of a response, or null.</summary>
    public static ClientSubnetOption? Ecs(DnsMessage message) =>
        message.EDnsOptions?.Options.OfType<ClientSubnetOption>().FirstOrDefault();
}
