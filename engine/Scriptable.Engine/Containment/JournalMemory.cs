using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Scriptable.Engine.Containment;

/// <summary>
/// The bytes of the in-flight journal: a shared memory mapping of its file (its pages outlive a killed process:
/// the kernel writes them to the file), or of anonymous memory when there is no state directory. Read and
/// written through refs at fixed offsets, as Budget reads stack addresses, so the engine needs no unsafe code.
/// </summary>
internal sealed class JournalMemory : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly nint _base;

    private JournalMemory(MemoryMappedFile map, long length)
    {
        _map = map;
        _view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.ReadWrite);
        _base = _view.SafeMemoryMappedViewHandle.DangerousGetHandle() + (nint)_view.PointerOffset;
        Length = length;
    }

    /// <summary>Bytes mapped.</summary>
    public long Length { get; }

    /// <summary>Maps <paramref name="path"/>, created or resized to <paramref name="length"/> bytes (mode 0600) and zeroed.</summary>
    public static JournalMemory CreateFile(string path, long length)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.ReadWrite, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(path, options);
        try
        {
            stream.SetLength(length);
            var map = MemoryMappedFile.CreateFromFile(stream, null, length, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            return new JournalMemory(map, length);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Anonymous zeroed memory of the same layout: containment without crash survival.</summary>
    public static JournalMemory CreateAnonymous(long length) =>
        new(MemoryMappedFile.CreateNew(null, length, MemoryMappedFileAccess.ReadWrite), length);

    /// <summary>The byte at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref byte At(long offset) => ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), _base + (nint)offset);

    /// <summary><paramref name="length"/> bytes from <paramref name="offset"/>.</summary>
    public Span<byte> Span(long offset, int length) => MemoryMarshal.CreateSpan(ref At(offset), length);

    /// <summary>The address of <paramref name="offset"/> (slots keep their own).</summary>
    public nint Address(long offset) => _base + (nint)offset;

    /// <summary>Asks the kernel to write the pages to the file now (clean shutdown; a killed process needs no flush).</summary>
    public void Flush() => _view.Flush();

    /// <inheritdoc />
    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
    }
}
