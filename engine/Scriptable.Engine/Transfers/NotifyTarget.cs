using System.Net;

namespace Scriptable.Engine.Transfers;

/// <summary>
/// One entry of a zone's <c>Transfer:Notify</c> list: a secondary told of each change (RFC 1996), as
/// <c>192.0.2.7</c> (port 53), <c>192.0.2.7:5301</c>, <c>[2001:db8::7]:53</c>, optionally followed by <c>key:NAME</c>
/// to sign the NOTIFY.
/// </summary>
/// <param name="EndPoint">Where the NOTIFY goes (UDP).</param>
/// <param name="Key">The key that signs it, or null.</param>
public sealed record NotifyTarget(IPEndPoint EndPoint, TsigKey? Key)
{
    /// <summary>Reads an entry; a key must be in <paramref name="keys"/>.</summary>
    public static bool TryParse(string text, TsigKeyRing keys, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NotifyTarget? target, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        target = null;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length is 0 or > 2 || (parts.Length == 2 && !parts[1].StartsWith("key:", StringComparison.OrdinalIgnoreCase)))
        {
            error = $"'{text}' is not 'ADDRESS[:PORT]' or 'ADDRESS[:PORT] key:NAME'";
            return false;
        }

        if (!IPEndPoint.TryParse(parts[0], out var endPoint))
        {
            error = $"'{parts[0]}' is not an address with an optional port, such as 192.0.2.7, 192.0.2.7:5301 or [2001:db8::7]:53";
            return false;
        }

        if (endPoint.Port == 0)
        {
            endPoint.Port = 53;
        }

        TsigKey? key = null;
        if (parts.Length == 2 && !TransferAllow.TryKey(parts[1][4..], keys, out key, out error))
        {
            return false;
        }

        target = new NotifyTarget(endPoint, key);
        error = "";
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Key is null ? EndPoint.ToString() : $"{EndPoint} key:{Key.DisplayName}";
}
