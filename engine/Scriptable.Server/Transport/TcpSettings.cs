using Scriptable.Server.Configuration;

namespace Scriptable.Server.Transport;

/// <summary>How one TCP listener defends its connections, read once from <see cref="ServerOptions"/>.</summary>
internal sealed record TcpSettings
{
    /// <summary>Longest wait for the first octet of a message, from the last complete message or the accept.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest time a message may take to arrive whole, from its first octet.</summary>
    public TimeSpan MessageTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest time one batch of answers may wait for the client to take it.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Open connections at most.</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>Open connections at most from one client (an address or a network, see the prefixes).</summary>
    public int MaxConnectionsPerClient { get; init; } = 64;

    /// <summary>Prefix length grouping IPv4 clients.</summary>
    public int ClientIPv4Prefix { get; init; } = 32;

    /// <summary>Prefix length grouping IPv6 clients.</summary>
    public int ClientIPv6Prefix { get; init; } = 64;

    /// <summary>The <see cref="MaxConnections"/> configured, before the open-file limit lowered it (same if it did not).</summary>
    public int ConfiguredMaxConnections { get; init; } = 1000;

    /// <summary>The open-file limit that lowered <see cref="MaxConnections"/>, or null if it did not.</summary>
    public long? OpenFileLimit { get; init; }

    /// <summary>
    /// The settings of validated options for one of <paramref name="listeners"/> addresses, with the
    /// process's open-file limit (<see cref="Transport.OpenFileLimit"/>) read now.
    /// </summary>
    public static TcpSettings From(ServerOptions options, int listeners) => From(options, listeners, Transport.OpenFileLimit.Read());

    /// <summary>
    /// The settings for one of <paramref name="listeners"/> addresses. TCP connections of all listeners
    /// together may take at most half of <paramref name="openFileLimit"/> (Knot's default for tcp-max-clients);
    /// the other half is for everything else the process opens (its assemblies alone take over a hundred, and
    /// compiled policies, health probes, the admin endpoint more), because running out kills the process.
    /// </summary>
    public static TcpSettings From(ServerOptions options, int listeners, long? openFileLimit)
    {
        var max = options.TcpMaxConnections;
        long? lowered = null;
        if (openFileLimit is { } limit && (long)max * Math.Max(1, listeners) > limit / 2)
        {
            max = (int)Math.Clamp(limit / 2 / Math.Max(1, listeners), 1, max);
            lowered = limit;
        }

        return new TcpSettings
        {
            IdleTimeout = TimeSpan.FromSeconds(options.TcpIdleTimeoutSeconds),
            MessageTimeout = TimeSpan.FromSeconds(options.TcpMessageTimeoutSeconds),
            SendTimeout = TimeSpan.FromSeconds(options.TcpSendTimeoutSeconds),
            MaxConnections = max,
            ConfiguredMaxConnections = options.TcpMaxConnections,
            OpenFileLimit = lowered,
            MaxConnectionsPerClient = Math.Min(options.TcpMaxConnectionsPerClient, max),
            ClientIPv4Prefix = options.TcpClientIPv4Prefix,
            ClientIPv6Prefix = options.TcpClientIPv6Prefix,
        };
    }

    /// <summary>
    /// How often deadlines are checked: a fifth of the shortest timeout, between 20 ms and 500 ms, so a
    /// deadline is enforced at most that late.
    /// </summary>
    public TimeSpan SweepInterval
    {
        get
        {
            var shortest = Math.Min(IdleTimeout.TotalMilliseconds, Math.Min(MessageTimeout.TotalMilliseconds, SendTimeout.TotalMilliseconds));
            return TimeSpan.FromMilliseconds(Math.Clamp(shortest / 5, 20, 500));
        }
    }
}
