namespace Scriptable.TestCommon.Mmdb;

/// <summary>
/// Writes MaxMind DB files (format 2.0, the .mmdb of GeoIP2 and ip-location-db) for tests: networks inserted as CIDR
/// text with their records, a search tree, a data section with each distinct record once, and the metadata.
/// </summary>
/// <remarks>
/// A more specific network always wins over a less specific one that contains it, whatever the insert order;
/// inserting the same network twice keeps the last record. Records map CLR types to MaxMind DB types by type:
/// string -> utf8_string, bool -> boolean, double -> double, float -> float, int -> int32, uint -> uint32,
/// ushort -> uint16, ulong and non-negative long -> uint64, BigInteger -> uint128, byte[] -> bytes,
/// dictionaries with string keys -> map, lists and arrays -> array. See README.md in this folder.
/// </remarks>
public sealed class MmdbWriter
{
    /// <summary>The build_epoch written unless <see cref="BuildEpoch"/> is set: 2024-01-01T00:00:00Z, so output is deterministic.</summary>
    public const ulong DefaultBuildEpoch = 1_704_067_200;

    private const int DataSectionSeparator = 16;

    private static readonly byte[] MetadataMarker = [0xAB, 0xCD, 0xEF, .. "MaxMind.com"u8];

    private readonly List<(MmdbNetwork Network, object Record)> _inserts = [];

    /// <summary>Creates an empty database of the given IP version (4 or 6), record size (24, 28 or 32 bits) and type.</summary>
    public MmdbWriter(int ipVersion = 6, int recordSize = 28, string databaseType = "Scriptable-Test", string? description = null)
    {
        if (ipVersion is not (4 or 6))
        {
            throw new ArgumentOutOfRangeException(nameof(ipVersion), ipVersion, "The IP version must be 4 or 6.");
        }

        if (recordSize is not (24 or 28 or 32))
        {
            throw new ArgumentOutOfRangeException(nameof(recordSize), recordSize, "The record size must be 24, 28 or 32 bits.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(databaseType);
        IpVersion = ipVersion;
        RecordSize = recordSize;
        DatabaseType = databaseType;
        if (description is not null)
        {
            Description["en"] = description;
        }
    }

    /// <summary>The metadata's ip_version: 6 (IPv4 in ::/96 of the tree) or 4.</summary>
    public int IpVersion { get; }

    /// <summary>The metadata's record_size: bits per search tree record.</summary>
    public int RecordSize { get; }

    /// <summary>The metadata's database_type, e.g. "GeoIP2-City" (MaxMind.GeoIP2's DatabaseReader checks it).</summary>
    public string DatabaseType { get; }

    /// <summary>The metadata's description map: language code to text.</summary>
    public IDictionary<string, string> Description { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The metadata's languages array (locale codes the records' names use); "en" unless changed.</summary>
    public IList<string> Languages { get; } = ["en"];

    /// <summary>The metadata's build_epoch (seconds since 1970); a fixed <see cref="DefaultBuildEpoch"/> unless set.</summary>
    public ulong BuildEpoch { get; set; } = DefaultBuildEpoch;

    /// <summary>Whether repeated values inside records (names maps, strings, keys) are written once and pointed to, as real databases do.</summary>
    public bool UsePointers { get; set; } = true;

    /// <summary>The number of networks inserted so far.</summary>
    public int Count => _inserts.Count;

    /// <summary>The node_count of the database last written (0 before the first write), e.g. to walk its tree by hand.</summary>
    public long NodeCount { get; private set; }

    /// <summary>Maps a network ("192.0.2.0/24", "2001:db8::/32", or a bare address for one host) to a record.</summary>
    /// <returns>This writer, for chaining.</returns>
    public MmdbWriter Insert(string cidr, object record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var network = MmdbNetwork.Parse(cidr, IpVersion);

        try
        {
            // Encode now so a bad value fails at the Insert that holds it, not later at Write.
            MmdbDataSection.Standalone(record, "");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"The record for '{cidr}' cannot be written: {e.Message}", nameof(record), e);
        }

        _inserts.Add((network, record));
        return this;
    }

    /// <summary>Encodes the database as a byte array.</summary>
    public byte[] ToArray()
    {
        using var stream = new MemoryStream();
        Write(stream);
        return stream.ToArray();
    }

    /// <summary>Writes the database to a file, replacing it.</summary>
    public void Write(string path)
    {
        using var stream = File.Create(path);
        Write(stream);
    }

    /// <summary>Writes the database to a stream: search tree, 16-byte separator, data section, metadata.</summary>
    public void Write(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var root = BuildTree();
        var nodes = Number(root);
        var nodeCount = (long)nodes.Count;

        var data = new MmdbDataSection(UsePointers);
        var offsets = new Dictionary<Leaf, int>(ReferenceEqualityComparer.Instance);
        foreach (var node in nodes)
        {
            foreach (var child in node.Children)
            {
                if (child is Leaf leaf && !offsets.ContainsKey(leaf))
                {
                    offsets[leaf] = data.Add(leaf.Record);
                }
            }
        }

        long RecordValue(object? child) => child switch
        {
            null => nodeCount,
            Node node => node.Id,
            Leaf leaf => nodeCount + DataSectionSeparator + offsets[leaf],
            _ => throw new InvalidOperationException("Unknown tree entry."),
        };

        var maxValue = (1L << RecordSize) - 1;
        var largest = nodeCount + DataSectionSeparator + data.Length;
        if (largest > maxValue)
        {
            throw new InvalidOperationException(
                $"{nodeCount} nodes and {data.Length} bytes of data need records larger than {RecordSize} bits; use a larger recordSize.");
        }

        var nodeBytes = RecordSize / 4;
        var tree = new byte[nodes.Count * nodeBytes];
        foreach (var node in nodes)
        {
            WriteNode(tree.AsSpan(node.Id * nodeBytes, nodeBytes), RecordValue(node.Children[0]), RecordValue(node.Children[1]));
        }

        NodeCount = nodeCount;
        stream.Write(tree);
        stream.Write(new byte[DataSectionSeparator]);
        stream.Write(data.ToArray());
        stream.Write(MetadataMarker);
        stream.Write(MmdbDataSection.Standalone(Metadata(nodeCount), ""));
    }

    private Dictionary<string, object> Metadata(long nodeCount) => new(StringComparer.Ordinal)
    {
        ["binary_format_major_version"] = (ushort)2,
        ["binary_format_minor_version"] = (ushort)0,
        ["build_epoch"] = BuildEpoch,
        ["database_type"] = DatabaseType,
        ["description"] = new Dictionary<string, object>(Description.Select(e => KeyValuePair.Create(e.Key, (object)e.Value)), StringComparer.Ordinal),
        ["ip_version"] = (ushort)IpVersion,
        ["languages"] = Languages.Cast<object>().ToArray(),
        ["node_count"] = (uint)nodeCount,
        ["record_size"] = (ushort)RecordSize,
    };

    private Node BuildTree()
    {
        var root = new Node();

        // Less specific networks first: a more specific one then splits them, whatever order the test inserted them in.
        // OrderBy is stable, so of two inserts of the same network the later one wins.
        foreach (var (network, record) in _inserts.OrderBy(i => i.Network.PrefixLength))
        {
            var leaf = new Leaf(record);
            if (network.PrefixLength == 0)
            {
                root.Children[0] = leaf;
                root.Children[1] = leaf;
                continue;
            }

            var node = root;
            for (var depth = 0; depth < network.PrefixLength - 1; depth++)
            {
                var bit = network.Bit(depth);
                if (node.Children[bit] is not Node next)
                {
                    // Split an empty record or a less specific network's record: both halves keep what it had.
                    next = new Node();
                    next.Children[0] = node.Children[bit];
                    next.Children[1] = node.Children[bit];
                    node.Children[bit] = next;
                }

                node = next;
            }

            node.Children[network.Bit(network.PrefixLength - 1)] = leaf;
        }

        return root;
    }

    private static List<Node> Number(Node root)
    {
        // Breadth first from the root, which must be node 0.
        var nodes = new List<Node> { root };
        for (var i = 0; i < nodes.Count; i++)
        {
            nodes[i].Id = i;
            foreach (var child in nodes[i].Children)
            {
                if (child is Node node)
                {
                    nodes.Add(node);
                }
            }
        }

        return nodes;
    }

    private void WriteNode(Span<byte> node, long left, long right)
    {
        switch (RecordSize)
        {
            case 24:
                WriteBigEndian(node[..3], left);
                WriteBigEndian(node[3..], right);
                break;
            case 28:
                // | left 23..0 | left 27..24, right 27..24 | right 23..0 |
                WriteBigEndian(node[..3], left & 0xFF_FFFF);
                node[3] = (byte)(((left >> 20) & 0xF0) | ((right >> 24) & 0x0F));
                WriteBigEndian(node[4..], right & 0xFF_FFFF);
                break;
            default:
                WriteBigEndian(node[..4], left);
                WriteBigEndian(node[4..], right);
                break;
        }
    }

    private static void WriteBigEndian(Span<byte> destination, long value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)value;
            value >>= 8;
        }
    }

    private sealed class Node
    {
        // Each child is null (no data), a Node, or a Leaf.
        public object?[] Children { get; } = new object?[2];

        public int Id { get; set; }
    }

    private sealed class Leaf(object record)
    {
        public object Record { get; } = record;
    }
}
