using System.Text;

namespace Scriptable.Engine.Geo;

/// <summary>
/// The search-tree facts of a MaxMind DB that the MaxMind.Db reader keeps to itself (node count, record
/// size, IP version), read from the metadata map at the end of the file (MaxMind DB format 2.0). A small
/// decoder of the data format: maps, strings, unsigned integers, and pointers (relative to the metadata
/// start); other values are skipped.
/// </summary>
internal readonly record struct MmdbMetadata(long NodeCount, int RecordSize, int IpVersion)
{
    private static readonly byte[] Marker = [0xAB, 0xCD, 0xEF, .. "MaxMind.com"u8];

    /// <summary>Reads the metadata from the last 128 KiB of <paramref name="file"/>.</summary>
    public static MmdbMetadata Read(string file)
    {
        using var stream = File.OpenRead(file);
        var length = (int)Math.Min(stream.Length, 128 * 1024);
        var tail = new byte[length];
        stream.Seek(-length, SeekOrigin.End);
        stream.ReadExactly(tail);
        var start = tail.AsSpan().LastIndexOf(Marker);
        if (start < 0)
        {
            throw new InvalidDataException("no MaxMind DB metadata marker");
        }

        var decoder = new Decoder(tail, start + Marker.Length);
        var position = decoder.Base;
        if (decoder.Read(ref position, depth: 0) is not Dictionary<string, object?> map)
        {
            throw new InvalidDataException("the metadata is not a map");
        }

        ulong Get(string key) => map.TryGetValue(key, out var value) && value is ulong number
            ? number
            : throw new InvalidDataException($"the metadata has no '{key}'");
        return new MmdbMetadata((long)Get("node_count"), (int)Get("record_size"), (int)Get("ip_version"));
    }

    private readonly struct Decoder(byte[] data, int start)
    {
        public int Base => start;

        /// <summary>A map (top level only), a string, an unsigned integer, or null for anything else.</summary>
        public object? Read(ref int position, int depth)
        {
            if (depth > 16 || position >= data.Length)
            {
                throw new InvalidDataException("malformed metadata");
            }

            var control = data[position++];
            var type = control >> 5;
            if (type == 1)
            {
                var target = Pointer(control, ref position);
                return Read(ref target, depth + 1);
            }

            if (type == 0)
            {
                type = 7 + data[position++];
            }

            var size = Size(control & 0x1F, ref position);
            switch (type)
            {
                case 2:
                    var text = Encoding.UTF8.GetString(data, position, size);
                    position += size;
                    return text;
                case 5 or 6 or 9 or 10:
                    ulong value = 0;
                    for (var i = 0; i < size; i++)
                    {
                        value = (value << 8) | data[position++];
                    }

                    return value;
                case 7:
                    var map = depth == 0 ? new Dictionary<string, object?>(StringComparer.Ordinal) : null;
                    for (var i = 0; i < size; i++)
                    {
                        var key = Read(ref position, depth + 1) as string ?? throw new InvalidDataException("a metadata key is not a string");
                        var item = Read(ref position, depth + 1);
                        map?.TryAdd(key, item);
                    }

                    return map;
                case 11:
                    for (var i = 0; i < size; i++)
                    {
                        Read(ref position, depth + 1);
                    }

                    return null;
                case 3:
                    position += 8;
                    return null;
                case 15:
                    position += 4;
                    return null;
                case 14:
                    return null;
                default:
                    position += size;
                    return null;
            }
        }

        private int Size(int size, ref int position)
        {
            switch (size)
            {
                case 29:
                    return 29 + data[position++];
                case 30:
                    position += 2;
                    return 285 + ((data[position - 2] << 8) | data[position - 1]);
                case 31:
                    position += 3;
                    return 65821 + ((data[position - 3] << 16) | (data[position - 2] << 8) | data[position - 1]);
                default:
                    return size;
            }
        }

        private int Pointer(byte control, ref int position)
        {
            var bits = (control >> 3) & 3;
            var high = control & 7;
            int offset;
            switch (bits)
            {
                case 0:
                    offset = (high << 8) | data[position];
                    position += 1;
                    break;
                case 1:
                    offset = ((high << 16) | (data[position] << 8) | data[position + 1]) + 2048;
                    position += 2;
                    break;
                case 2:
                    offset = ((high << 24) | (data[position] << 16) | (data[position + 1] << 8) | data[position + 2]) + 526336;
                    position += 3;
                    break;
                default:
                    offset = (data[position] << 24) | (data[position + 1] << 16) | (data[position + 2] << 8) | data[position + 3];
                    position += 4;
                    break;
            }

            return start + offset;
        }
    }
}
