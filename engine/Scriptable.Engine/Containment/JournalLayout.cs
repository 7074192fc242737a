namespace Scriptable.Engine.Containment;

/// <summary>
/// The byte layout of the in-flight journal file (little-endian, fixed offsets). Readers check the magic and the
/// sizes recorded in the header, so a journal written by another build is read or rejected, never misread.
/// </summary>
/// <remarks>
/// <code>
/// header (4096 bytes)   magic "SCRJRNL1", layout, state (1 running, 2 clean), pid, slot count and size,
///                       version capacity and entry size, wall clock and Stopwatch timestamp at start, frequency
/// versions (512 each)   id, revision, SHA-256 (32 bytes), flags, file length, file (UTF-8, relative to the folder)
/// slots (320 each)      version id (0: empty), sequence, start timestamp, stuck sequence, thread id,
///                       transport, address length, port, address (16), query length, query (first 272 bytes)
/// </code>
/// Slot 0 is the loader's: the version whose static fields are being initialised.
/// </remarks>
internal static class JournalLayout
{
    public const ulong Magic = 0x314C4E524A524353; // "SCRJRNL1"
    public const int Layout = 1;
    public const int HeaderSize = 4096;

    public const int StateRunning = 1;
    public const int StateClean = 2;

    // Header.
    public const int HMagic = 0;
    public const int HLayout = 8;
    public const int HState = 12;
    public const int HPid = 16;
    public const int HSlotCount = 20;
    public const int HSlotSize = 24;
    public const int HVersionCapacity = 28;
    public const int HVersionSize = 32;
    public const int HWallClockMs = 40;
    public const int HTimestamp = 48;
    public const int HFrequency = 56;

    // Version entries.
    public const int VersionSize = 512;
    public const int VId = 0;
    public const int VRevision = 4;
    public const int VHash = 8;
    public const int VFlags = 40;
    public const int VFileLength = 42;
    public const int VFile = 44;
    public const int MaxFileBytes = VersionSize - VFile;
    public const byte FlagTruncated = 1;

    // Slots.
    public const int SlotSize = 320;
    public const int SVersion = 0;
    public const int SSequence = 4;
    public const int SStart = 8;
    public const int SStuck = 16;
    public const int SThread = 20;
    public const int STransport = 24;
    public const int SAddressLength = 25;
    public const int SPort = 26;
    public const int SAddress = 28;
    public const int SQueryLength = 44;
    public const int SQuery = 48;
    public const int MaxQueryBytes = SlotSize - SQuery;

    /// <summary>Transport byte of the loader's slot.</summary>
    public const byte TransportLoad = 255;

    /// <summary>Bytes of a journal with these counts.</summary>
    public static long Size(int slots, int versions) => HeaderSize + ((long)versions * VersionSize) + ((long)slots * SlotSize);

    /// <summary>Offset of version entry <paramref name="index"/> (id - 1).</summary>
    public static long VersionOffset(int index) => HeaderSize + ((long)index * VersionSize);

    /// <summary>Offset of slot <paramref name="index"/>.</summary>
    public static long SlotOffset(int versions, int index) => HeaderSize + ((long)versions * VersionSize) + ((long)index * SlotSize);
}
