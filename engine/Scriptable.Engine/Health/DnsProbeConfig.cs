using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Health;

/// <summary>
/// A DNS query sent over UDP to a server. It passes when the reply (same id and question) has rcode NOERROR
/// and at least one record in the answer section (or TC set: the server answered, too big for UDP).
/// </summary>
/// <param name="Host">The server's IP address or host name.</param>
/// <param name="Port">The server's port (53 by default).</param>
/// <param name="QueryName">The name asked, as written (<c>example.com</c>).</param>
/// <param name="QueryType">The type asked (<c>A</c> by default).</param>
public sealed record DnsProbeConfig(string Host, int Port, string QueryName, ushort QueryType) : HealthProbeConfig
{
    /// <inheritdoc />
    public override HealthCheckKind Kind => HealthCheckKind.Dns;

    /// <inheritdoc />
    public override string Target => $"{HealthEndpoint.Format(Host, Port)} {QueryName} {RecordType.ToText(QueryType)}";
}
