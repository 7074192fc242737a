using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using MaxMind.Db;

namespace Scriptable.Engine.Geo;

/// <summary>
/// One MaxMind-format database (GeoIP2/GeoLite2 City, Country, ASN, or any .mmdb with its own schema),
/// opened for lookups on the query path:
/// <list type="bullet">
/// <item>the file is copied to a private file and that copy is memory-mapped (by MaxMind.Db's reader), so an
/// operator who overwrites the database in place (<c>cp new.mmdb GeoLite2-City.mmdb</c>) cannot change the
/// bytes under queries in flight; on Linux the copy is unlinked at once and lives as long as the mapping;</item>
/// <item>the search tree is read into memory and walked here, allocation-free, giving the record's data
/// offset and the matched network's prefix length;</item>
/// <item>each distinct record is decoded once (by the MaxMind reader) and cached by its data offset: the
/// networks of a database share far fewer records than they are, and a query only pays the tree walk.</item>
/// </list>
/// Thread-safe. Dispose only when no query can still use it (the catalog waits before disposing).
/// </summary>
public sealed class GeoDatabase : GeoSource, IDisposable
{
    private readonly Reader _reader;
    private readonly byte[] _tree;
    private readonly long _nodeCount;
    private readonly int _recordSize;
    private readonly int _ipVersion;
    private readonly int _ipv4Start;
    private readonly string? _privateCopy;
    private readonly ConcurrentDictionary<int, GeoRecord> _records = new();

    private GeoDatabase(string path, Reader reader, MmdbMetadata tree, byte[] treeBytes, string? privateCopy)
    {
        Path = path;
        _reader = reader;
        _tree = treeBytes;
        _privateCopy = privateCopy;
        _nodeCount = tree.NodeCount;
        _recordSize = tree.RecordSize;
        _ipVersion = tree.IpVersion;
        DatabaseType = reader.Metadata.DatabaseType;
        BuildTime = new DateTimeOffset(reader.Metadata.BuildDate, TimeSpan.Zero);
        Name = System.IO.Path.GetFileNameWithoutExtension(path);
        if (_ipVersion == 6)
        {
            var node = 0L;
            for (var i = 0; i < 96 && node < _nodeCount; i++)
            {
                node = ReadNode(node, 0);
            }

            _ipv4Start = (int)node;
        }
    }

    /// <summary>The file as configured.</summary>
    public string Path { get; }

    /// <summary>The file name without extension: how policies name the database.</summary>
    public override string Name { get; }

    /// <summary>The database type from its metadata (<c>GeoIP2-City</c>, <c>GeoLite2-ASN</c>, ...).</summary>
    public string DatabaseType { get; }

    /// <summary>When the database was built.</summary>
    public DateTimeOffset BuildTime { get; }

    /// <summary>Search tree nodes (a measure of its size).</summary>
    public long NodeCount => _nodeCount;

    /// <summary>Records decoded so far.</summary>
    public int CachedRecords => _records.Count;

    /// <summary>
    /// Opens a database. Throws <see cref="InvalidDataException"/> with the reason when the file is not a
    /// readable MaxMind DB (truncated, corrupt, wrong format), and the I/O exceptions of reading it.
    /// </summary>
    public static GeoDatabase Open(string path) => Open(path, null);

    /// <summary>
    /// Opens a database whose bytes come from <paramref name="source"/> (the file as the folder rule opened it:
    /// what was checked is what is read), named <paramref name="path"/>; without a source, the file at the path.
    /// </summary>
    internal static GeoDatabase Open(string path, Stream? source)
    {
        var copy = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"scriptable-geo-{Guid.NewGuid():N}.mmdb");
        if (source is null)
        {
            File.Copy(path, copy);
        }
        else
        {
            using var target = new FileStream(copy, FileMode.CreateNew, FileAccess.Write);
            source.CopyTo(target);
        }

        Reader? reader = null;
        try
        {
            reader = new Reader(copy, FileAccessMode.MemoryMapped);
            var metadata = MmdbMetadata.Read(copy);
            var treeSize = metadata.NodeCount * metadata.RecordSize / 4;
            if (metadata.RecordSize is not (24 or 28 or 32) || metadata.IpVersion is not (4 or 6) || metadata.NodeCount <= 0
                || treeSize + 16 > new FileInfo(copy).Length)
            {
                throw new InvalidDataException($"unsupported or truncated search tree (record size {metadata.RecordSize}, IP version {metadata.IpVersion}, {metadata.NodeCount} nodes)");
            }

            var tree = new byte[treeSize];
            using (var stream = File.OpenRead(copy))
            {
                stream.ReadExactly(tree);
            }

            var database = new GeoDatabase(path, reader, metadata, tree, copy);
            database.Validate();
            TryDelete(copy);
            return database;
        }
        catch (Exception ex) when (ex is InvalidDatabaseException or InvalidDataException or EndOfStreamException or ArgumentException or InvalidOperationException or DeserializationException or OverflowException or IndexOutOfRangeException or KeyNotFoundException)
        {
            reader?.Dispose();
            TryDelete(copy);
            throw new InvalidDataException($"'{path}' is not a readable MaxMind DB: {ex.Message}", ex);
        }
        catch
        {
            reader?.Dispose();
            TryDelete(copy);
            throw;
        }
    }

    /// <summary>
    /// Looks an address up (4 or 16 octets). Returns the record, or null when the database has nothing for
    /// it; either way <paramref name="prefixLength"/> is the length of the database network the answer holds
    /// for (in the address's own family: 0-32 for IPv4).
    /// </summary>
    internal override GeoRecord? Lookup(ReadOnlySpan<byte> address, out int prefixLength)
    {
        prefixLength = 0;
        if (address.Length == 16 && _ipVersion == 4)
        {
            return null;
        }

        var bits = address.Length * 8;
        var node = address.Length == 4 && _ipVersion == 6 ? _ipv4Start : 0L;
        var i = 0;
        for (; i < bits && node < _nodeCount; i++)
        {
            node = ReadNode(node, (address[i >> 3] >> (7 - (i & 7))) & 1);
        }

        prefixLength = i;
        if (node <= _nodeCount)
        {
            // Exactly node_count: no data for this network. Below it cannot happen after a full walk.
            return null;
        }

        var pointer = (int)node;
        return _records.TryGetValue(pointer, out var record) ? record : Decode(pointer, address);
    }

    private GeoRecord? Decode(int pointer, ReadOnlySpan<byte> address)
    {
        var data = _reader.Find<Dictionary<string, object>>(new IPAddress(address));
        if (data is null)
        {
            return null;
        }

        var record = GeoRecord.From(data);
        return _records.GetOrAdd(pointer, record);
    }

    private long ReadNode(long node, int bit)
    {
        var tree = _tree.AsSpan();
        switch (_recordSize)
        {
            case 24:
            {
                var offset = (int)(node * 6) + (bit * 3);
                return (tree[offset] << 16) | (tree[offset + 1] << 8) | tree[offset + 2];
            }

            case 28:
            {
                var offset = (int)(node * 7);
                return bit == 0
                    ? ((tree[offset + 3] & 0xF0L) << 20) | ((long)tree[offset] << 16) | ((long)tree[offset + 1] << 8) | tree[offset + 2]
                    : ((tree[offset + 3] & 0x0FL) << 24) | ((long)tree[offset + 4] << 16) | ((long)tree[offset + 5] << 8) | tree[offset + 6];
            }

            default:
                return BinaryPrimitives.ReadUInt32BigEndian(tree[(int)((node * 8) + (bit * 4))..]);
        }
    }

    /// <summary>Checks what lookups will rely on: every node points inside the tree or the data section.</summary>
    private void Validate()
    {
        var limit = _nodeCount + 16 + (new FileInfo(_privateCopy!).Length - _tree.Length);
        for (long node = 0; node < _nodeCount; node++)
        {
            if (ReadNode(node, 0) > limit || ReadNode(node, 1) > limit)
            {
                throw new InvalidDataException($"node {node} points past the end of the file");
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Windows cannot delete a mapped file: Dispose tries again.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _reader.Dispose();
        if (_privateCopy is not null && File.Exists(_privateCopy))
        {
            TryDelete(_privateCopy);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({DatabaseType}, built {BuildTime:yyyy-MM-dd}, {NodeCount} nodes)";
}
