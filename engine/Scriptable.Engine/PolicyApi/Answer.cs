using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;
using Scriptable.Engine.Zones.MasterFile;

namespace Scriptable.Policies;

/// <summary>
/// What a policy returns: records, a negative answer, or "use the zone file". Immutable and cheap to return
/// again and again: build the answers a policy chooses from once, in <c>static readonly</c> fields, and the
/// query path allocates nothing; records are encoded for the wire when the answer is built.
/// <code>
/// static readonly Answer Europe = Answer.Address("198.51.100.20", "2001:db8:20::20").WithTtl(30);
/// return ctx.Geo.ContinentCode == "EU" ? Europe : Answer.Static;
/// </code>
/// </summary>
public sealed class Answer
{
    /// <summary>The TTL of records built without one: short, as load balancing wants.</summary>
    public const int DefaultTtl = 60;

    private readonly RRset[] _sets;
    private int _rotation;

    private Answer(AnswerKind kind, RRset[] sets, RecordOrder order = RecordOrder.AsGiven, int scope = -1)
    {
        Kind = kind;
        _sets = sets;
        Order = order;
        Scope = scope;
    }

    /// <summary>Answer from the zone file, as if the name had no policy (also the answer for other types).</summary>
    public static Answer Static { get; } = new(AnswerKind.Static, []);

    /// <summary>NXDOMAIN: the name does not exist.</summary>
    public static Answer NxDomain { get; } = new(AnswerKind.NxDomain, []);

    /// <summary>NODATA: the name exists, with no record of the type asked.</summary>
    public static Answer NoData { get; } = new(AnswerKind.NoData, []);

    /// <summary>REFUSED.</summary>
    public static Answer Refused { get; } = new(AnswerKind.Refused, []);

    /// <summary>SERVFAIL.</summary>
    public static Answer ServFail { get; } = new(AnswerKind.ServFail, []);

    /// <summary>What this answer does.</summary>
    public AnswerKind Kind { get; }

    /// <summary>The order records of one type are sent in.</summary>
    public RecordOrder Order { get; }

    /// <summary>The ECS scope prefix length set with <see cref="WithScope"/>, or -1 to let the server decide.</summary>
    public int Scope { get; }

    /// <summary>The record types this answer holds.</summary>
    public IReadOnlyList<DnsType> Types => Array.ConvertAll(_sets, s => (DnsType)s.Type);

    internal ReadOnlySpan<RRset> Sets => _sets;

    /// <summary>
    /// A and AAAA records for addresses (IPv4 gives A, IPv6 gives AAAA), with the default TTL. Throws
    /// <see cref="FormatException"/> for text that is not an address.
    /// </summary>
    public static Answer Address(params string[] addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var parsed = new IPAddress[addresses.Length];
        for (var i = 0; i < addresses.Length; i++)
        {
            // IPAddress.TryParse takes inet_aton forms ("192.0.2" is 192.0.0.2): a typo must not become an address.
            var text = addresses[i];
            if (text is null || !IPAddress.TryParse(text, out var address)
                || (address.AddressFamily == AddressFamily.InterNetwork && text.AsSpan().Count('.') != 3))
            {
                throw new FormatException($"'{text}' is not an IPv4 address (four numbers: 192.0.2.1) or an IPv6 address.");
            }

            parsed[i] = address;
        }

        return Address(parsed);
    }

    /// <summary>A and AAAA records for addresses, with the default TTL.</summary>
    public static Answer Address(params IPAddress[] addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        if (addresses.Length == 0)
        {
            throw new ArgumentException("An address answer needs at least one address.", nameof(addresses));
        }

        var v4 = new List<RData>();
        var v6 = new List<RData>();
        Span<byte> bytes = stackalloc byte[16];
        foreach (var address in addresses)
        {
            var a = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            a.TryWriteBytes(bytes, out var written);
            (a.AddressFamily == AddressFamily.InterNetwork ? v4 : v6).Add(RData.FromWire(written == 4 ? RecordType.A : RecordType.AAAA, bytes[..written]));
        }

        var sets = new List<RRset>(2);
        if (v4.Count > 0)
        {
            sets.Add(new RRset(DnsName.Root, RecordType.A, DefaultTtl, [.. v4]));
        }

        if (v6.Count > 0)
        {
            sets.Add(new RRset(DnsName.Root, RecordType.AAAA, DefaultTtl, [.. v6]));
        }

        return new Answer(AnswerKind.Records, [.. sets]);
    }

    /// <summary>
    /// An alias: a CNAME to <paramref name="target"/>. A target inside the zone is followed, through its
    /// static records or its own policy; a name without a trailing dot is relative to the zone.
    /// </summary>
    public static Answer Cname(string target) => Records("CNAME " + target);

    /// <summary>
    /// Records in zone-file syntax, owner left out: <c>[TTL] [IN] TYPE RDATA</c>, such as <c>"MX 10 mail"</c>,
    /// <c>"30 A 192.0.2.1"</c>, <c>"TXT \"v=spf1 -all\""</c> or <c>"5m SRV 0 5 443 web"</c>. Names without a
    /// trailing dot are relative to the policy's zone. Records of one type form one RRset and share one TTL.
    /// Throws <see cref="FormatException"/> naming the line that does not parse.
    /// </summary>
    public static Answer Records(params string[] records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Length == 0)
        {
            throw new ArgumentException("A records answer needs at least one record.", nameof(records));
        }

        var origin = PolicyScope.Origin ?? DnsName.Root;
        var byType = new List<(ushort Type, uint Ttl, List<RData> Data)>();
        foreach (var line in records)
        {
            var (type, ttl, rdata) = ParseRecord(line, origin);
            var index = byType.FindIndex(t => t.Type == type);
            if (index < 0)
            {
                byType.Add((type, ttl, [rdata]));
            }
            else if (byType[index].Ttl != ttl)
            {
                throw new FormatException($"'{line}': records of one type share one TTL ({byType[index].Ttl} was given before).");
            }
            else
            {
                byType[index].Data.Add(rdata);
            }
        }

        var cname = byType.FindIndex(t => t.Type == RecordType.CNAME);
        if (cname >= 0 && (byType.Count > 1 || byType[cname].Data.Count > 1))
        {
            throw new FormatException("A CNAME answer holds one CNAME record and nothing else (RFC 1034 section 3.6.2).");
        }

        var sets = new RRset[byType.Count];
        for (var i = 0; i < sets.Length; i++)
        {
            sets[i] = new RRset(DnsName.Root, byType[i].Type, byType[i].Ttl, [.. byType[i].Data]);
        }

        return new Answer(AnswerKind.Records, sets);
    }

    /// <summary>The union of several answers' records (records of one type are merged; the lowest TTL wins).</summary>
    public static Answer Combine(params Answer[] answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var byType = new List<(ushort Type, uint Ttl, List<RData> Data)>();
        foreach (var answer in answers)
        {
            if (answer.Kind != AnswerKind.Records)
            {
                throw new ArgumentException($"Only record answers can be combined, not {answer.Kind}.", nameof(answers));
            }

            foreach (var set in answer._sets)
            {
                var index = byType.FindIndex(t => t.Type == set.Type);
                if (index < 0)
                {
                    byType.Add((set.Type, set.Ttl, [.. set.Records]));
                    continue;
                }

                var entry = byType[index];
                foreach (var record in set.Records)
                {
                    if (!entry.Data.Contains(record))
                    {
                        entry.Data.Add(record);
                    }
                }

                byType[index] = (entry.Type, Math.Min(entry.Ttl, set.Ttl), entry.Data);
            }
        }

        if (byType.Count == 0)
        {
            throw new ArgumentException("Nothing to combine.", nameof(answers));
        }

        if (byType.Exists(t => t.Type == RecordType.CNAME))
        {
            throw new ArgumentException("A CNAME answer cannot be combined with others.", nameof(answers));
        }

        var sets = new RRset[byType.Count];
        for (var i = 0; i < sets.Length; i++)
        {
            sets[i] = new RRset(DnsName.Root, byType[i].Type, byType[i].Ttl, [.. byType[i].Data]);
        }

        return new Answer(AnswerKind.Records, sets, answers.Length > 0 ? answers[0].Order : RecordOrder.AsGiven);
    }

    /// <summary>A copy whose records all have this TTL (seconds).</summary>
    public Answer WithTtl(int seconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seconds);
        RequireRecords(nameof(WithTtl));
        var sets = new RRset[_sets.Length];
        for (var i = 0; i < sets.Length; i++)
        {
            sets[i] = new RRset(DnsName.Root, _sets[i].Type, (uint)seconds, _sets[i].Records);
        }

        return new Answer(Kind, sets, Order, Scope);
    }

    /// <summary>
    /// A copy that returns this EDNS Client Subnet scope prefix length (RFC 7871), instead of the one the
    /// server derives from what the policy read (0 when it read nothing about the client).
    /// </summary>
    public Answer WithScope(int prefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 128);
        return new Answer(Kind, _sets, Order, prefixLength);
    }

    /// <summary>A copy whose records of each type are sent in a new random order on every use.</summary>
    public Answer Shuffled() => WithOrder(RecordOrder.Shuffled);

    /// <summary>A copy whose records of each type are rotated by one on every use (round robin).</summary>
    public Answer Rotated() => WithOrder(RecordOrder.Rotated);

    /// <summary>The records as zone-file lines without owner, such as <c>30 IN A 192.0.2.1</c>.</summary>
    public IReadOnlyList<string> ToLines()
    {
        var lines = new List<string>();
        foreach (var set in _sets)
        {
            foreach (var record in set.Records)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{set.Ttl} IN {RecordType.ToText(set.Type)} {RDataText.Format(set.Type, record)}"));
            }
        }

        return lines;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        if (Kind != AnswerKind.Records)
        {
            return Kind.ToString();
        }

        var text = new StringBuilder();
        foreach (var line in ToLines())
        {
            text.Append(text.Length == 0 ? "" : "; ").Append(line);
        }

        return text.ToString();
    }

    /// <summary>The next rotation offset (Rotated) for one use.</summary>
    internal int NextRotation() => Interlocked.Increment(ref _rotation) & int.MaxValue;

    /// <summary>An answer rebuilt from its parts: one a policy worker process sent (Isolation/AnswerDecoder).</summary>
    internal static Answer FromParts(AnswerKind kind, RRset[] sets, RecordOrder order, int scope) => new(kind, sets, order, scope);

    private Answer WithOrder(RecordOrder order)
    {
        RequireRecords(order.ToString());
        return new Answer(Kind, _sets, order, Scope);
    }

    private void RequireRecords(string operation)
    {
        if (Kind != AnswerKind.Records)
        {
            throw new InvalidOperationException($"{operation} applies to record answers, not to {Kind}.");
        }
    }

    private static (ushort Type, uint Ttl, RData Data) ParseRecord(string line, DnsName origin)
    {
        ArgumentNullException.ThrowIfNull(line);
        var rest = line.AsSpan().Trim();
        var ttl = (uint)DefaultTtl;
        var word = NextWord(ref rest);
        if (word.Length > 0 && char.IsAsciiDigit(word[0]))
        {
            if (!TtlText.TryParse(word, out ttl))
            {
                throw new FormatException($"'{line}': '{word}' is not a TTL.");
            }

            word = NextWord(ref rest);
        }

        if (word.Equals("IN", StringComparison.OrdinalIgnoreCase))
        {
            word = NextWord(ref rest);
        }

        if (!RecordType.TryParse(word, out var type) || RecordType.IsMetaType(type) || type == RecordType.SOA)
        {
            throw new FormatException(word.Length == 0
                ? $"'{line}': a record needs a type, such as 'A 192.0.2.1'."
                : $"'{line}': '{word}' is not a record type a policy can answer.");
        }

        if (!RDataText.TryParse(type, rest.ToString(), origin, out var rdata, out var error))
        {
            throw new FormatException($"'{line}': {error}.");
        }

        if (origin.IsRoot && rdata.Target is not null && !EndsAbsolute(rest))
        {
            throw new FormatException($"'{line}': a relative name needs the policy's zone; outside a policy, write names with a trailing dot.");
        }

        return (type, ttl, rdata);
    }

    private static bool EndsAbsolute(ReadOnlySpan<char> rest)
    {
        var trimmed = rest.TrimEnd();
        return trimmed.Length > 0 && trimmed[^1] == '.';
    }

    private static ReadOnlySpan<char> NextWord(ref ReadOnlySpan<char> rest)
    {
        rest = rest.TrimStart();
        var end = rest.IndexOfAny(' ', '\t');
        var word = end < 0 ? rest : rest[..end];
        rest = end < 0 ? [] : rest[end..];
        return word;
    }
}
