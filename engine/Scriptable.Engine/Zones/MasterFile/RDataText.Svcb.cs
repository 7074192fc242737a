using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Text;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Zones.MasterFile;

/// <summary>
/// SVCB and HTTPS (RFC 9460): <c>priority target key=value...</c>. Parameters are written in any order and stored
/// sorted by key; a key given twice, a mandatory key that is missing, or a value that does not fit its key is an error.
/// </summary>
internal static partial class RDataText
{
    private const ushort Mandatory = 0, Alpn = 1, NoDefaultAlpn = 2, Port = 3, Ipv4Hint = 4, Ech = 5, Ipv6Hint = 6, DohPath = 7, Ohttp = 8;

    private static readonly FrozenDictionary<string, ushort> _serviceKeys = new Dictionary<string, ushort>(StringComparer.OrdinalIgnoreCase)
    {
        ["mandatory"] = Mandatory, ["alpn"] = Alpn, ["no-default-alpn"] = NoDefaultAlpn, ["port"] = Port, ["ipv4hint"] = Ipv4Hint,
        ["ech"] = Ech, ["ipv6hint"] = Ipv6Hint, ["dohpath"] = DohPath, ["ohttp"] = Ohttp,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<ushort, string> _serviceKeyNames = _serviceKeys.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);

    private static string? ParseSvcb(ushort type, ReadOnlySpan<MasterFileToken> f, DnsName origin, WireBuilder w)
    {
        var name = RecordType.ToText(type);
        if (f.Length < 2)
        {
            return $"{name} needs a priority, a target name and optional parameters (key=value)";
        }

        if ((UInt16(f[0], $"{name} priority", w) ?? Name(f[1], origin, w, $"{name} target")) is { } error)
        {
            return error;
        }

        var parameters = new SortedDictionary<ushort, byte[]>();
        var value = new WireBuilder();
        for (var i = 2; i < f.Length; i++)
        {
            var text = f[i].Text;
            if (f[i].IsQuoted)
            {
                return $"bad {name} parameter \"{text}\": a quoted value must follow its key and '='";
            }

            var equals = text.IndexOf('=', StringComparison.Ordinal);
            var keyText = equals < 0 ? text : text[..equals];
            string? valueText = equals < 0 ? null : text[(equals + 1)..];
            if (valueText is "" && i + 1 < f.Length && f[i + 1].IsQuoted)
            {
                valueText = f[++i].Text;
            }

            if (!TryServiceKey(keyText, out var key))
            {
                return $"bad {name} parameter key '{keyText}' (expected mandatory, alpn, no-default-alpn, port, ipv4hint, ech, ipv6hint, dohpath, ohttp or keyNNNNN)";
            }

            if (parameters.ContainsKey(key))
            {
                return $"{name} parameter '{keyText}' is given twice";
            }

            value.Clear();
            if (ParseServiceValue(key, keyText, valueText, value) is { } valueError)
            {
                return $"bad {name} {valueError}";
            }

            parameters[key] = value.Written.ToArray();
        }

        if (parameters.TryGetValue(Mandatory, out var mandatory))
        {
            for (var m = 0; m < mandatory.Length; m += 2)
            {
                var key = BinaryPrimitives.ReadUInt16BigEndian(mandatory.AsSpan(m));
                if (!parameters.ContainsKey(key))
                {
                    return $"{name} parameter '{ServiceKeyName(key)}' is mandatory but missing";
                }
            }
        }

        foreach (var (key, bytes) in parameters)
        {
            w.WriteUInt16(key);
            w.WriteUInt16((ushort)bytes.Length);
            w.WriteBytes(bytes);
        }

        return null;
    }

    private static bool TryServiceKey(string text, out ushort key) =>
        _serviceKeys.TryGetValue(text, out key)
        || (text.Length > 3 && text.StartsWith("key", StringComparison.OrdinalIgnoreCase) && char.IsAsciiDigit(text[3])
            && ushort.TryParse(text.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out key) && key != 65535);

    private static string ServiceKeyName(ushort key) => _serviceKeyNames.TryGetValue(key, out var name) ? name : "key" + key.ToString(CultureInfo.InvariantCulture);

    private static string? ParseServiceValue(ushort key, string keyText, string? text, WireBuilder v)
    {
        if (key is NoDefaultAlpn or Ohttp)
        {
            return string.IsNullOrEmpty(text) ? null : $"parameter '{keyText}' takes no value";
        }

        if (text is null && key <= DohPath)
        {
            return $"parameter '{keyText}' needs a value";
        }

        switch (key)
        {
            case Mandatory:
            {
                var keys = new SortedSet<ushort>();
                foreach (var item in text!.Split(','))
                {
                    if (!TryServiceKey(item, out var listed) || listed == Mandatory || !keys.Add(listed))
                    {
                        return $"mandatory key '{item}' (a key other than mandatory, listed once)";
                    }
                }

                foreach (var listed in keys)
                {
                    v.WriteUInt16(listed);
                }

                return null;
            }

            case Alpn:
                foreach (var item in SplitValueList(text!) ?? [[]])
                {
                    if (item.Length is 0 or > 255)
                    {
                        return $"alpn '{text}' (each protocol 1-255 octets, separated by commas)";
                    }

                    v.WriteByte((byte)item.Length);
                    v.WriteBytes(item);
                }

                return null;
            case Port:
                return ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                    ? WriteAnd(v, port)
                    : $"port '{text}' (expected 0-65535)";
            case Ipv4Hint or Ipv6Hint:
                foreach (var item in text!.Split(','))
                {
                    var size = key == Ipv4Hint ? 4 : 16;
                    if (!(key == Ipv4Hint ? PresentationText.TryParseIPv4(item, v.GetSpan(4)) : PresentationText.TryParseIPv6(item, v.GetSpan(16))))
                    {
                        return $"{keyText} '{item}' (expected IPv{(key == Ipv4Hint ? 4 : 6)} addresses separated by commas)";
                    }

                    v.Advance(size);
                }

                return null;
            case Ech:
                return PresentationText.WriteBase64([new MasterFileToken(text!, false)], v, "ech");
            default:
                // dohpath and keyNNNNN: the value's octets, escapes decoded.
                return text is null ? null : PresentationText.WriteText(text, v);
        }
    }

    private static string? WriteAnd(WireBuilder v, ushort value)
    {
        v.WriteUInt16(value);
        return null;
    }

    /// <summary>
    /// A comma-separated list whose items may hold <c>\,</c> (RFC 9460 appendix A.1), each decoded to octets; null when
    /// an item's escapes are malformed.
    /// </summary>
    private static List<byte[]>? SplitValueList(string text)
    {
        // Split at the commas that are not escaped, then decode each item's escapes.
        var pieces = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == ',')
            {
                pieces.Add(text[start..i]);
                start = i + 1;
            }
        }

        pieces.Add(text[start..]);
        var items = new List<byte[]>(pieces.Count);
        var item = new WireBuilder();
        foreach (var piece in pieces)
        {
            item.Clear();
            if (PresentationText.WriteText(piece, item) is not null)
            {
                return null;
            }

            items.Add(item.Written.ToArray());
        }

        return items;
    }

    private static bool FormatSvcb(ReadOnlySpan<byte> wire, StringBuilder sb)
    {
        var r = new WireReader(wire);
        if (!r.UInt16(sb) || !r.Name(sb))
        {
            return false;
        }

        var rest = wire[r.Position..];
        var last = -1;
        while (rest.Length > 0)
        {
            if (rest.Length < 4)
            {
                return false;
            }

            var key = BinaryPrimitives.ReadUInt16BigEndian(rest);
            var length = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
            if (key <= last || rest.Length < 4 + length)
            {
                return false;
            }

            last = key;
            var value = rest.Slice(4, length);
            sb.Append(' ').Append(ServiceKeyName(key));
            if (!AppendServiceValue(key, value, sb))
            {
                return false;
            }

            rest = rest[(4 + length)..];
        }

        return true;
    }

    private static bool AppendServiceValue(ushort key, ReadOnlySpan<byte> value, StringBuilder sb)
    {
        switch (key)
        {
            case NoDefaultAlpn or Ohttp:
                return value.IsEmpty;
            case Mandatory:
                if (value.IsEmpty || value.Length % 2 != 0)
                {
                    return false;
                }

                sb.Append('=');
                for (var i = 0; i < value.Length; i += 2)
                {
                    sb.Append(i == 0 ? string.Empty : ",").Append(ServiceKeyName(BinaryPrimitives.ReadUInt16BigEndian(value[i..])));
                }

                return true;
            case Alpn:
            {
                if (value.IsEmpty)
                {
                    return false;
                }

                var text = new StringBuilder();
                while (value.Length > 0)
                {
                    if (value[0] == 0 || value.Length < 1 + value[0])
                    {
                        return false;
                    }

                    var quoted = new StringBuilder();
                    PresentationText.AppendQuoted(quoted, value.Slice(1, value[0]));
                    text.Append(text.Length == 0 ? string.Empty : ",").Append(quoted.ToString(1, quoted.Length - 2).Replace(",", @"\,", StringComparison.Ordinal));
                    value = value[(1 + value[0])..];
                }

                sb.Append("=\"").Append(text).Append('"');
                return true;
            }

            case Port:
                if (value.Length != 2)
                {
                    return false;
                }

                sb.Append('=').Append(BinaryPrimitives.ReadUInt16BigEndian(value));
                return true;
            case Ipv4Hint or Ipv6Hint:
            {
                var size = key == Ipv4Hint ? 4 : 16;
                if (value.IsEmpty || value.Length % size != 0)
                {
                    return false;
                }

                sb.Append('=');
                for (var i = 0; i < value.Length; i += size)
                {
                    sb.Append(i == 0 ? string.Empty : ",").Append(new IPAddress(value.Slice(i, size)));
                }

                return true;
            }

            case Ech:
                if (value.IsEmpty)
                {
                    return false;
                }

                sb.Append('=').Append(Convert.ToBase64String(value));
                return true;
            default:
                if (value.IsEmpty)
                {
                    return key != DohPath;
                }

                sb.Append('=');
                PresentationText.AppendQuoted(sb, value);
                return true;
        }
    }
}
