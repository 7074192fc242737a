using System.Globalization;

namespace Scriptable.Engine.Local;

/// <summary>
/// Reads back what a response carries, where the local server and <c>scriptable query</c> need the bytes as
/// sent rather than the plan: record data in written order, the OPT record, the ECS option.
/// </summary>
internal static class ResponseWire
{
    /// <summary>The data of the resource record at <paramref name="at"/>, which then moves past it; empty past the end.</summary>
    public static ReadOnlySpan<byte> NextRData(byte[] wire, ref int at)
    {
        var fixedPart = SkipName(wire, at);
        if (fixedPart + 10 > wire.Length)
        {
            at = wire.Length;
            return [];
        }

        var length = (wire[fixedPart + 8] << 8) | wire[fixedPart + 9];
        var data = fixedPart + 10;
        at = Math.Min(wire.Length, data + length);
        return wire.AsSpan(data, at - data);
    }

    /// <summary>The offset just past the name at <paramref name="at"/> (labels, or a compression pointer).</summary>
    public static int SkipName(byte[] wire, int at)
    {
        while (at < wire.Length)
        {
            var length = wire[at];
            if (length == 0)
            {
                return at + 1;
            }

            if ((length & 0xC0) == 0xC0)
            {
                return at + 2;
            }

            at += 1 + length;
        }

        return at;
    }

    /// <summary>The answer's EDNS Client Subnet option (RFC 7871) as dig prints it, address/source/scope; or null.</summary>
    public static string? ClientSubnet(byte[] wire, int opt)
    {
        var at = opt + 11;
        var end = Math.Min(wire.Length, at + ((wire[opt + 9] << 8) | wire[opt + 10]));
        while (at + 4 <= end)
        {
            var code = (wire[at] << 8) | wire[at + 1];
            var length = (wire[at + 2] << 8) | wire[at + 3];
            at += 4;
            if (code == 8 && length >= 4 && at + length <= end)
            {
                var family = (wire[at] << 8) | wire[at + 1];
                var address = new byte[family == 1 ? 4 : 16];
                wire.AsSpan(at + 4, Math.Min(length - 4, address.Length)).CopyTo(address);
                return string.Create(CultureInfo.InvariantCulture, $"{new System.Net.IPAddress(address)}/{wire[at + 2]}/{wire[at + 3]}");
            }

            at += length;
        }

        return null;
    }

    /// <summary>The offset of the OPT record (at its owner, the root's zero octet), or null.</summary>
    public static int? FindOpt(byte[] wire)
    {
        var at = 12;
        int Count(int offset) => (wire[offset] << 8) | wire[offset + 1];
        for (var i = 0; i < Count(4); i++)
        {
            at = SkipName(wire, at) + 4;
        }

        var records = Count(6) + Count(8) + Count(10);
        for (var i = 0; i < records && at < wire.Length; i++)
        {
            var owner = at;
            at = SkipName(wire, at);
            if (at + 10 > wire.Length)
            {
                return null;
            }

            var type = (wire[at] << 8) | wire[at + 1];
            if (type == 41)
            {
                return owner;
            }

            at += 10 + ((wire[at + 8] << 8) | wire[at + 9]);
        }

        return null;
    }
}
