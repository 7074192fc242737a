using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static Scriptable.Engine.Containment.JournalLayout;

namespace Scriptable.Engine.Containment;

/// <summary>
/// One query context's slot in the in-flight journal. Before each policy call the runner writes what it is about
/// to run (version id, start, the question) and clears it after; the watchdog reads it every few milliseconds;
/// after a crash, the next start reads what was left. Only the owning thread writes the question fields; the
/// version id is written last (a release store), so a non-empty slot is a complete one.
/// </summary>
internal sealed class JournalSlot
{
    // The memory is held, not only its address: a context that outlives the server (a thread stuck in a policy
    // that returns later) must still write into a mapping that exists.
    private readonly JournalMemory _memory;
    private readonly nint _address;
    private uint _sequence;
    private int _threadId;
    private Action? _onStuck;

    /// <summary>Creates the slot at <paramref name="offset"/> of the journal's memory.</summary>
    public JournalSlot(int index, JournalMemory memory, long offset)
    {
        Index = index;
        _memory = memory;
        _address = memory.Address(offset);
    }

    /// <summary>Its index in the journal (0 is the loader's).</summary>
    public int Index { get; }

    /// <summary>The OS thread id of the receive loop that owns it (Linux; 0 when unknown or shared, as for TCP).</summary>
    public int ThreadId => Volatile.Read(ref _threadId);

    /// <summary>What the owner does when the watchdog finds it stuck (a UDP loop starts a fresh loop); null for none.</summary>
    public Action? StuckAction => Volatile.Read(ref _onStuck);

    /// <summary>A receive loop takes the slot: its thread id (for lowering its priority) and what to do when it is stuck.</summary>
    public void Attach(int threadId, Action? onStuck)
    {
        Volatile.Write(ref _threadId, threadId);
        Volatile.Write(ref _onStuck, onStuck);
    }

    /// <summary>The owner lets go (the context goes back to the pool).</summary>
    public void Detach() => Attach(0, null);

    /// <summary>Records that a query starts running version <paramref name="versionId"/> at <paramref name="started"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enter(int versionId, long started, byte transport, ReadOnlySpan<byte> clientAddress, int port, ReadOnlySpan<byte> query)
    {
        ref var slot = ref At();
        var sequence = ++_sequence;
        if (sequence == 0)
        {
            sequence = _sequence = 1;
        }

        Unsafe.WriteUnaligned(ref Unsafe.Add(ref slot, SStart), started);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref slot, SSequence), sequence);
        Unsafe.Add(ref slot, STransport) = transport;
        Unsafe.Add(ref slot, SAddressLength) = (byte)clientAddress.Length;
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref slot, SPort), (ushort)port);
        clientAddress.CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref slot, SAddress), 16));
        var length = Math.Min(query.Length, MaxQueryBytes);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref slot, SQueryLength), (ushort)query.Length);
        query[..length].CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref slot, SQuery), MaxQueryBytes));
        Volatile.Write(ref Unsafe.As<byte, int>(ref slot), versionId);
    }

    /// <summary>Records that the query left the policy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit() => Volatile.Write(ref Unsafe.As<byte, int>(ref At()), 0);

    /// <summary>Records a load: version <paramref name="versionId"/>'s static fields are being initialised (loader slot).</summary>
    public void EnterLoad(int versionId, long started) =>
        Enter(versionId, started, TransportLoad, default, 0, default);

    /// <summary>The version running now, 0 for none (the watchdog's read).</summary>
    public int VersionId => Volatile.Read(ref Unsafe.As<byte, int>(ref At()));

    /// <summary>The run's sequence number (changes with every run).</summary>
    public uint Sequence => Volatile.Read(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref At(), SSequence)));

    /// <summary>When the run started (<see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long Start => Volatile.Read(ref Unsafe.As<byte, long>(ref Unsafe.Add(ref At(), SStart)));

    /// <summary>Names run <paramref name="sequence"/> as stuck in the journal: if the process dies now, the next start knows the culprit.</summary>
    public void MarkStuck(uint sequence) => Volatile.Write(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref At(), SStuck)), sequence);

    /// <summary>True if run <paramref name="sequence"/> is marked stuck.</summary>
    public bool IsMarkedStuck(uint sequence) => Volatile.Read(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref At(), SStuck))) == sequence;

    /// <summary>Empties the slot (clean shutdown).</summary>
    public void Clear() => MemoryMarshal.CreateSpan(ref At(), SlotSize).Clear();

    /// <summary>The question bytes recorded (a copy, for the tests and status).</summary>
    public byte[] Query()
    {
        ref var slot = ref At();
        var length = Math.Min((int)BinaryPrimitives.ReadUInt16LittleEndian(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref slot, SQueryLength), 2)), MaxQueryBytes);
        return MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref slot, SQuery), length).ToArray();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref byte At() => ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), _address);
}
