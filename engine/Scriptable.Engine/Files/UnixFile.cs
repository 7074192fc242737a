using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Scriptable.Engine.Files;

/// <summary>What <c>lstat</c> or <c>fstat</c> says of a file: its type, identity and size.</summary>
/// <param name="Type">Regular file, directory, link, or another kind (device, FIFO, socket).</param>
/// <param name="Device">The device it is on (with <paramref name="Inode"/>: which file it is, whatever its name).</param>
/// <param name="Inode">Its inode number.</param>
/// <param name="Size">Its size in bytes.</param>
internal readonly record struct FileStatus(FileType Type, ulong Device, ulong Inode, long Size)
{
    /// <summary>True when both describe the same file (a hard link is the same file).</summary>
    public bool SameFile(FileStatus other) => Device == other.Device && Inode == other.Inode;
}

/// <summary>The kinds of file the folder rule tells apart.</summary>
internal enum FileType
{
    /// <summary>A regular file: the only kind that is read.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link (from <c>lstat</c>).</summary>
    Link,

    /// <summary>A device, FIFO or socket: reading one could block or never end.</summary>
    Other,
}

/// <summary>
/// The few Linux system calls the folder rule needs and .NET does not offer: <c>statx</c> (the file type and
/// identity without following a link, or of an open descriptor) and <c>open</c> with <c>O_NOFOLLOW</c> and
/// <c>O_NONBLOCK</c> (so a file swapped for a link or a FIFO after the check is not followed, and cannot block).
/// <c>statx</c>'s structure is the same on every Linux architecture. Elsewhere (or on a kernel without
/// <c>statx</c>) <see cref="Available"/> is false and callers use .NET's portable calls, which cannot tell a
/// FIFO or device from a file.
/// </summary>
internal static class UnixFile
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7FF;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int ELOOP = 40;
    private const int ENOSYS = 38;
    private const int EACCES = 13;
    private const int EPERM = 1;

    private static readonly int s_openFlags = 0 /* O_RDONLY */ | 0x800 /* O_NONBLOCK */ | 0x80000 /* O_CLOEXEC */
        | (RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000) /* O_NOFOLLOW */;

    private static int s_available = OperatingSystem.IsLinux() ? 0 : -1;

    /// <summary>True when <c>statx</c> and <c>open</c> can be called (Linux with glibc 2.28 or later).</summary>
    public static bool Available
    {
        get
        {
            if (s_available == 0)
            {
                try
                {
                    var result = Native.statx(AtFdCwd, "/", AtSymlinkNoFollow, StatxBasicStats, out _);
                    s_available = result == 0 || Marshal.GetLastPInvokeError() != ENOSYS ? 1 : -1;
                }
                catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
                {
                    s_available = -1;
                }
            }

            return s_available > 0;
        }
    }

    /// <summary>
    /// <c>lstat</c>: the file at <paramref name="path"/> itself (a link is not followed). Null when it does not
    /// exist or cannot be reached (a missing or unsearchable directory on the way).
    /// </summary>
    public static FileStatus? Lstat(string path)
    {
        if (Native.statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, out var buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR or EACCES or EPERM or ELOOP)
            {
                return null;
            }

            throw new IOException($"cannot look at '{path}' (error {errno})");
        }

        return From(buffer);
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading without following a link at its end and without blocking (a FIFO
    /// opens at once), and says what was opened. Throws <see cref="IOException"/> when it cannot be opened.
    /// </summary>
    public static SafeFileHandle Open(string path, out FileStatus status)
    {
        var fd = Native.open(path, s_openFlags);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                ENOENT => new FileNotFoundException("the file does not exist", path),
                EACCES or EPERM => new UnauthorizedAccessException("permission denied"),
                ELOOP => new IOException("the file was replaced by a link"),
                _ => new IOException($"cannot open the file (error {errno})"),
            };
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Native.statx(fd, "", AtEmptyPath, StatxBasicStats, out var buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw new IOException($"cannot look at the opened file (error {errno})");
        }

        status = From(buffer);
        return handle;
    }

    private static FileStatus From(in StatxBuffer buffer)
    {
        var type = (buffer.Mode & 0xF000) switch
        {
            0x8000 => FileType.Regular,
            0x4000 => FileType.Directory,
            0xA000 => FileType.Link,
            _ => FileType.Other,
        };

        // makedev() as glibc builds it, so identities compare whatever the major and minor numbers.
        var device = ((ulong)buffer.DevMajor << 32) | buffer.DevMinor;
        return new FileStatus(type, device, buffer.Inode, (long)buffer.Size);
    }

    /// <summary><c>struct statx</c> (linux/stat.h): 256 bytes, the same layout on every architecture.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)]
        public ushort Mode;

        [FieldOffset(32)]
        public ulong Inode;

        [FieldOffset(40)]
        public ulong Size;

        [FieldOffset(136)]
        public uint DevMajor;

        [FieldOffset(140)]
        public uint DevMinor;
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true, ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, out StatxBuffer buffer);

        [DllImport("libc", SetLastError = true, ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    }
}
