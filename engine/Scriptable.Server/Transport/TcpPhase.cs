namespace Scriptable.Server.Transport;

/// <summary>What a TCP connection is doing, which decides its deadline and whether it may be evicted.</summary>
internal enum TcpPhase
{
    /// <summary>Answering what it received: no deadline, never evicted (it is making progress).</summary>
    Busy,

    /// <summary>Waiting for the first octet of a message: the idle deadline, from the last complete message.</summary>
    Idle,

    /// <summary>Part of a message received: the message deadline, from its first octet.</summary>
    Reading,

    /// <summary>Waiting for the client to take answers: the send deadline, from the start of the send.</summary>
    Sending,

    /// <summary>Ending after a bad frame: answers sent, what the client still sends is read and dropped until it closes.</summary>
    Closing,
}
