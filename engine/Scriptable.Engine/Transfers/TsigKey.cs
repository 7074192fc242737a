using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Transfers;

/// <summary>A shared TSIG secret (RFC 8945): the key's name, its algorithm and the secret's octets.</summary>
/// <param name="Name">The key's name, as both sides configure it.</param>
/// <param name="Algorithm">The MAC algorithm.</param>
/// <param name="Secret">The secret.</param>
public sealed record TsigKey(DnsName Name, TsigAlgorithm Algorithm, byte[] Secret)
{
    /// <summary>The key's name without the trailing dot, as configuration names it.</summary>
    public string DisplayName => Name.ToString().TrimEnd('.');
}
