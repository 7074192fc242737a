using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using static Scriptable.Engine.Containment.JournalLayout;

namespace Scriptable.Engine.Containment;

/// <summary>
/// The in-flight journal: a memory-mapped file in the state directory with one slot per query context (what each
/// is running now) and a table of the loaded versions (journal id to file, content hash, revision). Writing a
/// slot is a few stores into shared memory, no system call; the kernel keeps the pages when the process is
/// killed (kill -9, the OOM killer, a stack overflow), so the next start reads which version was running and on
/// which question (<see cref="Read"/>). A clean stop empties it. See README.md for the layout and its limits.
/// Nothing is released by hand: the mapping goes when the last query context holding a slot is collected (a
/// thread stuck in a policy may return after the server stopped, and must not write into unmapped memory).
/// </summary>
internal sealed class PolicyJournal
{
    /// <summary>The journal's file name in the state directory.</summary>
    public const string FileName = "inflight.journal";

    /// <summary>Versions the table holds by default (loaded at once, including replaced ones still running).</summary>
    public const int DefaultVersions = 2048;

    private readonly JournalMemory _memory;
    private readonly JournalSlot[] _slots;
    private readonly TrackedVersion?[] _versions;
    private readonly Lock _gate = new();
    private int _allocated = 1;
    private int _fresh;
    private bool _abandoned;

    private PolicyJournal(JournalMemory memory, string? path, int slots, int versions)
    {
        _memory = memory;
        Path = path;
        _slots = new JournalSlot[slots];
        for (var i = 0; i < slots; i++)
        {
            _slots[i] = new JournalSlot(i, memory, SlotOffset(versions, i));
        }

        _versions = new TrackedVersion?[versions];
        WriteHeader(slots, versions);
    }

    /// <summary>The file, or null for a journal in anonymous memory (no crash survival).</summary>
    public string? Path { get; }

    /// <summary>Slots, the loader's included.</summary>
    public int SlotCount => _slots.Length;

    /// <summary>Slots handed out so far (the loader's included): the watchdog scans these.</summary>
    public int SlotsInUse => Volatile.Read(ref _allocated);

    /// <summary>The loader's slot: the version whose static fields are being initialised.</summary>
    public JournalSlot Loader => _slots[0];

    /// <summary>Creates (or recreates, emptied) the journal at <paramref name="path"/>; null: in anonymous memory.</summary>
    public static PolicyJournal Create(string? path, int slots, int versions = DefaultVersions)
    {
        slots = Math.Max(2, slots);
        var size = Size(slots, versions);
        var memory = path is null ? JournalMemory.CreateAnonymous(size) : JournalMemory.CreateFile(path, size);
        return new PolicyJournal(memory, path, slots, versions);
    }

    /// <summary>Slot <paramref name="index"/> (below <see cref="SlotsInUse"/>).</summary>
    public JournalSlot Slot(int index) => _slots[index];

    /// <summary>A slot for a new query context, or null when all are taken (the context then runs unjournaled and unwatched).</summary>
    public JournalSlot? AllocateSlot()
    {
        lock (_gate)
        {
            if (_allocated == _slots.Length)
            {
                return null;
            }

            var slot = _slots[_allocated];
            Volatile.Write(ref _allocated, _allocated + 1);
            return slot;
        }
    }

    /// <summary>
    /// Records a version in the table before it loads or serves; returns its id (0 when the table is full: it
    /// then runs unjournaled). <paramref name="relativeFile"/> is what the next start matches on.
    /// </summary>
    public TrackedVersion? Register(string file, string relativeFile, string hash, int revision)
    {
        lock (_gate)
        {
            var index = FreeEntry();
            if (index < 0)
            {
                return null;
            }

            var tracked = new TrackedVersion(index + 1, file, relativeFile, hash, revision);
            var entry = _memory.Span(VersionOffset(index), VersionSize);
            entry.Clear();
            BinaryPrimitives.WriteInt32LittleEndian(entry[VRevision..], revision);
            Convert.FromHexString(hash.AsSpan(0, Math.Min(64, hash.Length) & ~1), entry.Slice(VHash, 32), out _, out _);
            var bytes = Encoding.UTF8.GetBytes(relativeFile);
            var length = Math.Min(bytes.Length, MaxFileBytes);
            entry[VFlags] = bytes.Length > MaxFileBytes ? FlagTruncated : (byte)0;
            BinaryPrimitives.WriteUInt16LittleEndian(entry[VFileLength..], (ushort)length);
            bytes.AsSpan(0, length).CopyTo(entry[VFile..]);
            Volatile.Write(ref Unsafe.As<byte, int>(ref _memory.At(VersionOffset(index) + VId)), index + 1);
            _versions[index] = tracked;
            return tracked;
        }
    }

    /// <summary>The version with journal id <paramref name="id"/>, or null.</summary>
    public TrackedVersion? Version(int id) => id > 0 && id <= _versions.Length ? Volatile.Read(ref _versions[id - 1]) : null;

    /// <summary>
    /// The version was replaced or removed. Its entry stays (a query may still run it, and the journal must name it
    /// if that one kills the process) until no slot runs it and the table needs the room.
    /// </summary>
    public void Retire(int id)
    {
        if (Version(id) is { } tracked)
        {
            tracked.Retired = true;
        }
    }

    /// <summary>
    /// A clean stop: empties every slot except those of runs the watchdog found stuck and that never came back (the
    /// next start quarantines those), and marks the journal clean.
    /// </summary>
    public void CloseClean()
    {
        lock (_gate)
        {
            if (_abandoned)
            {
                return;
            }

            for (var i = 0; i < _allocated; i++)
            {
                var slot = _slots[i];
                if (slot.VersionId == 0 || !slot.IsMarkedStuck(slot.Sequence))
                {
                    slot.Clear();
                }
            }

            BinaryPrimitives.WriteInt32LittleEndian(_memory.Span(HState, 4), StateClean);
            _memory.Flush();
        }
    }

    /// <summary>The process is about to exit on purpose: leave the journal as it is, so the next start finds the culprit.</summary>
    public void Abandon()
    {
        lock (_gate)
        {
            _abandoned = true;
            _memory.Flush();
        }
    }

    /// <summary>
    /// Reads what a previous process left in the journal at <paramref name="path"/>: null if there is no file; an
    /// error for a file that is not a journal this build can read.
    /// </summary>
    public static JournalReading? Read(string path, out string? error)
    {
        error = null;
        byte[] bytes;
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return null;
        }

        ReadOnlySpan<byte> data = bytes;
        if (data.Length < HeaderSize || BinaryPrimitives.ReadUInt64LittleEndian(data) != Magic || BinaryPrimitives.ReadInt32LittleEndian(data[HLayout..]) != Layout)
        {
            error = "not a journal of this version of scriptable";
            return null;
        }

        var slots = BinaryPrimitives.ReadInt32LittleEndian(data[HSlotCount..]);
        var versions = BinaryPrimitives.ReadInt32LittleEndian(data[HVersionCapacity..]);
        if (BinaryPrimitives.ReadInt32LittleEndian(data[HSlotSize..]) != SlotSize || BinaryPrimitives.ReadInt32LittleEndian(data[HVersionSize..]) != VersionSize
            || slots < 0 || versions < 0 || data.Length < Size(slots, versions))
        {
            error = "the journal's sizes do not match its length";
            return null;
        }

        var state = BinaryPrimitives.ReadInt32LittleEndian(data[HState..]);
        var pid = BinaryPrimitives.ReadInt32LittleEndian(data[HPid..]);
        var wall = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(data[HWallClockMs..]));
        var timestamp = BinaryPrimitives.ReadInt64LittleEndian(data[HTimestamp..]);
        var frequency = Math.Max(1, BinaryPrimitives.ReadInt64LittleEndian(data[HFrequency..]));
        var runs = new List<InFlightRun>();
        for (var i = 0; i < slots; i++)
        {
            var slot = data.Slice((int)SlotOffset(versions, i), SlotSize);
            var id = BinaryPrimitives.ReadInt32LittleEndian(slot);
            if (id <= 0 || id > versions)
            {
                continue;
            }

            var entry = data.Slice((int)VersionOffset(id - 1), VersionSize);
            if (BinaryPrimitives.ReadInt32LittleEndian(entry) != id)
            {
                continue;
            }

            var fileLength = Math.Min((int)BinaryPrimitives.ReadUInt16LittleEndian(entry[VFileLength..]), MaxFileBytes);
            var version = new JournalVersion(id, Encoding.UTF8.GetString(entry.Slice(VFile, fileLength)), Convert.ToHexStringLower(entry.Slice(VHash, 32)),
                BinaryPrimitives.ReadInt32LittleEndian(entry[VRevision..]), (entry[VFlags] & FlagTruncated) != 0);
            var sequence = BinaryPrimitives.ReadUInt32LittleEndian(slot[SSequence..]);
            var start = BinaryPrimitives.ReadInt64LittleEndian(slot[SStart..]);
            var transport = slot[STransport];
            var addressLength = slot[SAddressLength];
            IPAddress? client = addressLength is 4 or 16 ? new IPAddress(slot.Slice(SAddress, addressLength)) : null;
            var queryLength = Math.Min((int)BinaryPrimitives.ReadUInt16LittleEndian(slot[SQueryLength..]), MaxQueryBytes);
            runs.Add(new InFlightRun(version, wall + TimeSpan.FromSeconds((double)(start - timestamp) / frequency), transport == TransportLoad,
                BinaryPrimitives.ReadUInt32LittleEndian(slot[SStuck..]) == sequence, transport switch { 0 => "udp", 1 => "tcp", TransportLoad => "load", _ => "?" },
                client, BinaryPrimitives.ReadUInt16LittleEndian(slot[SPort..]), slot.Slice(SQuery, queryLength).ToArray()));
        }

        return new JournalReading(state == StateClean, pid, wall, runs);
    }

    private void WriteHeader(int slots, int versions)
    {
        var header = _memory.Span(0, HeaderSize);
        header.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header[HLayout..], Layout);
        BinaryPrimitives.WriteInt32LittleEndian(header[HState..], StateRunning);
        BinaryPrimitives.WriteInt32LittleEndian(header[HPid..], Environment.ProcessId);
        BinaryPrimitives.WriteInt32LittleEndian(header[HSlotCount..], slots);
        BinaryPrimitives.WriteInt32LittleEndian(header[HSlotSize..], SlotSize);
        BinaryPrimitives.WriteInt32LittleEndian(header[HVersionCapacity..], versions);
        BinaryPrimitives.WriteInt32LittleEndian(header[HVersionSize..], VersionSize);
        BinaryPrimitives.WriteInt64LittleEndian(header[HWallClockMs..], TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(header[HTimestamp..], Stopwatch.GetTimestamp());
        BinaryPrimitives.WriteInt64LittleEndian(header[HFrequency..], Stopwatch.Frequency);
    }

    /// <summary>A table entry never used, or one retired whose version no slot runs any more; -1 when none.</summary>
    private int FreeEntry()
    {
        if (_fresh < _versions.Length)
        {
            return _fresh++;
        }

        for (var i = 0; i < _versions.Length; i++)
        {
            if (_versions[i] is { Retired: true } && !Running(i + 1))
            {
                return i;
            }
        }

        return -1;
    }

    private bool Running(int id)
    {
        for (var i = 0; i < _allocated; i++)
        {
            if (_slots[i].VersionId == id)
            {
                return true;
            }
        }

        return false;
    }
}
