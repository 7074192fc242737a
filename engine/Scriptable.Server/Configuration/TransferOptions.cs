using Scriptable.Engine.Protocol;
using Scriptable.Engine.Transfers;

namespace Scriptable.Server.Configuration;

/// <summary>The <c>Tsig</c> section: the shared secrets signed queries, transfers and NOTIFYs use (RFC 8945).</summary>
public sealed class TsigConfig
{
    /// <summary>The keys; <c>scriptable tsig keygen NAME</c> prints one.</summary>
    public List<TsigKeyConfig> Keys { get; set; } = [];

    /// <summary>Every key that is not valid, one line each, and the ring of those that are.</summary>
    public TsigKeyRing ToKeyRing(List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var keys = new List<TsigKey>();
        var names = new HashSet<DnsName>();
        for (var i = 0; i < Keys.Count; i++)
        {
            var config = Keys[i];
            var at = $"Tsig:Keys:{i}";
            if (!DnsName.TryParse((config.Name ?? "").TrimEnd('.') + ".", null, out var name, out var nameError) || string.IsNullOrWhiteSpace(config.Name))
            {
                errors.Add($"{at}:Name: '{config.Name}' is not a key name (a domain name such as xfr-key or transfer.example.org): {nameError ?? "empty"}");
                continue;
            }

            if (TsigAlgorithm.Find(config.Algorithm ?? "") is not { } algorithm)
            {
                errors.Add($"{at}:Algorithm: '{config.Algorithm}' is not a TSIG algorithm: use {string.Join(", ", TsigAlgorithm.All.Select(a => a.Name))}");
                continue;
            }

            byte[] secret;
            try
            {
                secret = Convert.FromBase64String(config.Secret ?? "");
            }
            catch (FormatException)
            {
                errors.Add($"{at}:Secret: the secret of key '{config.Name}' is not base64 (scriptable tsig keygen {config.Name} prints a key)");
                continue;
            }

            if (secret.Length < 16)
            {
                errors.Add($"{at}:Secret: the secret of key '{config.Name}' has {secret.Length} octets; use at least 16 (scriptable tsig keygen {config.Name} makes {algorithm.MacSize})");
                continue;
            }

            if (!names.Add(name))
            {
                errors.Add($"{at}:Name: key '{config.Name}' is declared twice");
                continue;
            }

            keys.Add(new TsigKey(name, algorithm, secret));
        }

        return new TsigKeyRing(keys);
    }
}

/// <summary>One TSIG key of <c>Tsig:Keys</c>.</summary>
public sealed class TsigKeyConfig
{
    /// <summary>The key's name, the same on both sides (<c>xfr-key</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary><c>hmac-sha256</c> (the default), <c>hmac-sha512</c> or <c>hmac-sha1</c>.</summary>
    public string Algorithm { get; set; } = "hmac-sha256";

    /// <summary>The secret, base64.</summary>
    public string Secret { get; set; } = "";
}

/// <summary>One zone's section of <c>Zones</c> (keyed by the zone's name: <c>Zones:example.org</c>).</summary>
public sealed class ZoneOptions
{
    /// <summary>Who may transfer the zone, and which secondaries hear of its changes.</summary>
    public ZoneTransferOptions Transfer { get; set; } = new();

    /// <summary>
    /// How the SOA serial is set when the zone's content changes: <c>Keep</c> (the file's, the default), <c>UnixTime</c>
    /// or <c>Increment</c>.
    /// </summary>
    public SerialPolicy Serial { get; set; } = SerialPolicy.Keep;
}

/// <summary>A zone's <c>Transfer</c> section.</summary>
public sealed class ZoneTransferOptions
{
    /// <summary>
    /// Who may transfer the zone (AXFR, IXFR): <c>192.0.2.0/24</c>, <c>2001:db8::7</c>, <c>key:NAME</c> (any address,
    /// signed with that key) or <c>192.0.2.7 key:NAME</c> (both). Empty: nobody (REFUSED).
    /// </summary>
    public List<string> Allow { get; set; } = [];

    /// <summary>Secondaries sent a NOTIFY on each change: <c>192.0.2.7</c>, <c>192.0.2.7:5301</c>, each optionally followed by <c>key:NAME</c>.</summary>
    public List<string> Notify { get; set; } = [];
}

/// <summary>Builds the engine's transfer settings from the <c>Tsig</c> and <c>Zones</c> sections.</summary>
public static class TransferOptions
{
    /// <summary>The settings, with every mistake in <paramref name="errors"/> (one line each, naming the setting).</summary>
    public static TransferSettings ToSettings(TsigConfig tsig, IReadOnlyDictionary<string, ZoneOptions> zones, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(tsig);
        ArgumentNullException.ThrowIfNull(zones);
        var keys = tsig.ToKeyRing(errors);
        var configured = new Dictionary<DnsName, ZoneTransferConfig>();
        foreach (var (zoneName, options) in zones)
        {
            if (!DnsName.TryParse(zoneName.TrimEnd('.') + ".", null, out var origin, out var originError))
            {
                errors.Add($"Zones:{zoneName}: '{zoneName}' is not a zone name: {originError}");
                continue;
            }

            var allow = new List<TransferAllow>();
            for (var i = 0; i < options.Transfer.Allow.Count; i++)
            {
                if (TransferAllow.TryParse(options.Transfer.Allow[i], keys, out var entry, out var error))
                {
                    allow.Add(entry);
                }
                else
                {
                    errors.Add($"Zones:{zoneName}:Transfer:Allow:{i}: {error}");
                }
            }

            var notify = new List<NotifyTarget>();
            for (var i = 0; i < options.Transfer.Notify.Count; i++)
            {
                if (NotifyTarget.TryParse(options.Transfer.Notify[i], keys, out var target, out var error))
                {
                    notify.Add(target);
                }
                else
                {
                    errors.Add($"Zones:{zoneName}:Transfer:Notify:{i}: {error}");
                }
            }

            if (!Enum.IsDefined(options.Serial))
            {
                errors.Add($"Zones:{zoneName}:Serial must be Keep, UnixTime or Increment (got {options.Serial})");
            }

            if (!configured.TryAdd(origin, new ZoneTransferConfig { Allow = allow, Notify = notify, Serial = options.Serial }))
            {
                errors.Add($"Zones:{zoneName}: zone '{origin}' is configured twice");
            }
        }

        return new TransferSettings(keys, configured);
    }
}
