using System.Text;

namespace Scriptable.Engine.Configuration;

/// <summary>Protocol settings of the query path, immutable, part of each published snapshot.</summary>
public sealed record DnsConfig
{
    /// <summary>
    /// Largest UDP payload we announce and send (RFC 6891; 1232 avoids IP fragmentation, DNS Flag Day 2020).
    /// </summary>
    public ushort EdnsBufferSize { get; init; } = 1232;

    /// <summary>Name server identifier returned to clients that ask for it (RFC 5001); empty disables NSID.</summary>
    public string Nsid { get; init; } = "";

    /// <summary>Longest in-zone CNAME chain followed before answering with what was found.</summary>
    public int MaxCnameChain { get; init; } = 16;

    /// <summary>
    /// Clients whose EDNS Client Subnet is used to locate the client (RFC 7871 section 7.1.2: only trusted
    /// resolvers should be believed). Empty trusts every client. ECS from others is echoed with scope 0 and
    /// the client is located by its source address.
    /// </summary>
    public IReadOnlyList<System.Net.IPNetwork> EcsTrusted { get; init; } = [];

    /// <summary>TSIG keys and zone transfer settings (Transfers/README.md).</summary>
    public Transfers.TransferSettings Transfers { get; init; } = Scriptable.Engine.Transfers.TransferSettings.None;

    /// <summary>The NSID as octets.</summary>
    internal byte[] NsidBytes => _nsidBytes ??= Encoding.UTF8.GetBytes(Nsid);

    private byte[]? _nsidBytes;
}
