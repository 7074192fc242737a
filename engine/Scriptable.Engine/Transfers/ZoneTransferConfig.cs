namespace Scriptable.Engine.Transfers;

/// <summary>One zone's transfer settings (<c>Zones:&lt;zone&gt;</c>): who may transfer it, whom to notify, its serial policy.</summary>
public sealed record ZoneTransferConfig
{
    /// <summary>A zone not configured: no transfer, no NOTIFY, the file's serial.</summary>
    public static ZoneTransferConfig None { get; } = new();

    /// <summary>Who may transfer the zone (AXFR, IXFR); empty: nobody (REFUSED).</summary>
    public IReadOnlyList<TransferAllow> Allow { get; init; } = [];

    /// <summary>The secondaries told of each change.</summary>
    public IReadOnlyList<NotifyTarget> Notify { get; init; } = [];

    /// <summary>How the serial is set when the content changes.</summary>
    public SerialPolicy Serial { get; init; } = SerialPolicy.Keep;

    /// <summary>True when a query from <paramref name="address"/>, verified with <paramref name="key"/> (null: unsigned), may transfer.</summary>
    public bool Allows(System.Net.IPAddress address, TsigKey? key)
    {
        foreach (var allow in Allow)
        {
            if (allow.Matches(address, key))
            {
                return true;
            }
        }

        return false;
    }
}
