using System.Runtime.InteropServices;

namespace Scriptable.Server.Transport;

/// <summary>
/// recvmmsg(2) and sendmmsg(2): many datagrams per system call. Under load, the kernel queue holds several
/// queries whenever a receive loop comes back for more, so one call takes them all and one call sends all
/// the answers (Knot and NSD do the same). Linux only; other systems use the portable loop.
/// </summary>
internal static unsafe partial class LinuxBatchSocket
{
    /// <summary>Return as soon as one datagram is there, with whatever else is queued.</summary>
    public const int MsgWaitForOne = 0x10000;

    /// <summary>The datagram was larger than its buffer.</summary>
    public const int MsgTrunc = 0x20;

    /// <summary>Interrupted system call.</summary>
    public const int Eintr = 4;

    /// <summary>Receive timed out (SO_RCVTIMEO).</summary>
    public const int Eagain = 11;

    /// <summary>Size of <c>struct sockaddr_in6</c>, the largest address we receive.</summary>
    public const int AddressSize = 28;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int recvmmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sendmmsg(int fd, MMsgHdr* messages, uint count, int flags);

    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c> (64-bit layout; the runtime pads it as C does).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary><c>struct mmsghdr</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }
}
