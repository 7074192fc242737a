using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Transfers;

/// <summary>One record as a transfer carries it (class IN).</summary>
/// <param name="Owner">The owner name.</param>
/// <param name="Type">The type.</param>
/// <param name="Ttl">The TTL.</param>
/// <param name="Data">The RDATA.</param>
public readonly record struct TransferRecord(DnsName Owner, ushort Type, uint Ttl, RData Data)
{
    /// <inheritdoc />
    public override string ToString() => $"{Owner} {Ttl} {RecordType.ToText(Type)}";
}
