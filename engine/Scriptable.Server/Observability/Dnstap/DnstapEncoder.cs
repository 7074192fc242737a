using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Google.Protobuf;
using Scriptable.Engine.Pipeline;
using Scriptable.Server.Observability.Dnstap.Schema;

namespace Scriptable.Server.Observability.Dnstap;

/// <summary>
/// Turns a <see cref="QueryRecord"/> into dnstap data frames: an AUTH_QUERY and an AUTH_RESPONSE <c>Dnstap</c> message
/// (Google.Protobuf, from <c>dnstap.proto</c>), each with the identity, the version, and in <c>extra</c> the policy
/// that answered and what it picked (<c>policy=www.example.org. pick=paris</c>). Runs on the writer's thread only.
/// </summary>
internal sealed class DnstapEncoder
{
    private readonly long _epochNanoseconds;
    private readonly long _stopwatchBase;
    private readonly Schema.Dnstap _dnstap;
    private readonly Message _message = new();
    private readonly Dictionary<(string Policy, string? Pick), ByteString> _extras = [];

    /// <summary>Creates an encoder; <paramref name="time"/> maps the records' stopwatch times to wall-clock times.</summary>
    public DnstapEncoder(string identity, string version, TimeProvider time)
    {
        _stopwatchBase = Stopwatch.GetTimestamp();
        _epochNanoseconds = (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
        _dnstap = new Schema.Dnstap
        {
            Type = Schema.Dnstap.Types.Type.Message,
            Identity = ByteString.CopyFromUtf8(identity),
            Version = ByteString.CopyFromUtf8(version),
            Message = _message,
        };
    }

    /// <summary>
    /// Appends the data frame (32-bit big-endian length, then the message) of the AUTH_QUERY (<paramref name="response"/>
    /// false) or AUTH_RESPONSE message of <paramref name="record"/> to <paramref name="buffer"/> at <paramref name="length"/>;
    /// false, with nothing appended, when it does not fit (send the buffer, then try again; a buffer of 64 KiB plus
    /// twice the largest DNS message always fits one).
    /// </summary>
    public bool TryAppend(QueryRecord record, bool response, byte[] buffer, ref int length)
    {
        // One message object, reused: the fields of the other type are cleared.
        var message = _message;
        message.Type = response ? Message.Types.Type.AuthResponse : Message.Types.Type.AuthQuery;
        message.SocketFamily = record.ClientAddressLength == 4 ? SocketFamily.Inet : SocketFamily.Inet6;
        message.SocketProtocol = record.Transport == DnsTransport.Tcp ? SocketProtocol.Tcp : SocketProtocol.Udp;
        message.QueryAddress = UnsafeByteOperations.UnsafeWrap(record.ClientAddress);
        message.QueryPort = (uint)record.ClientPort;
        var (querySeconds, queryNanoseconds) = WallClock(record.Received);
        message.QueryTimeSec = querySeconds;
        message.QueryTimeNsec = queryNanoseconds;
        if (response)
        {
            var (seconds, nanoseconds) = WallClock(record.Answered);
            message.ResponseTimeSec = seconds;
            message.ResponseTimeNsec = nanoseconds;
            message.ResponseMessage = UnsafeByteOperations.UnsafeWrap(record.Response);
            message.ClearQueryMessage();
        }
        else
        {
            message.QueryMessage = UnsafeByteOperations.UnsafeWrap(record.Query);
            message.ClearResponseTimeSec();
            message.ClearResponseTimeNsec();
            message.ClearResponseMessage();
        }

        if (record.Policy is { } policy)
        {
            _dnstap.Extra = ExtraBytes(policy, record.Pick);
        }
        else
        {
            _dnstap.ClearExtra();
        }

        var size = _dnstap.CalculateSize();
        if (buffer.Length - length < size + 4)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(length), (uint)size);
        _dnstap.WriteTo(buffer.AsSpan(length + 4, size));
        length += size + 4;
        return true;
    }

    /// <summary>The extra field for a policy and pick: made once per pair (both are strings the policy holds).</summary>
    private ByteString ExtraBytes(string policy, string? pick)
    {
        if (!_extras.TryGetValue((policy, pick), out var bytes))
        {
            if (_extras.Count > 10_000)
            {
                // Policies reloaded many times: start again rather than keep old versions' strings.
                _extras.Clear();
            }

            bytes = ByteString.CopyFrom(Encoding.UTF8.GetBytes(Extra(policy, pick)));
            _extras[(policy, pick)] = bytes;
        }

        return bytes;
    }

    /// <summary>The <c>extra</c> text: <c>policy=NAME pick=PICK</c> (<c>pick=-</c> when no pool picked).</summary>
    public static string Extra(string policy, string? pick) => $"policy={policy} pick={pick ?? "-"}";

    private (ulong Seconds, uint Nanoseconds) WallClock(long timestamp)
    {
        var nanoseconds = _epochNanoseconds + (Stopwatch.GetElapsedTime(_stopwatchBase, timestamp).Ticks * 100);
        return ((ulong)(nanoseconds / 1_000_000_000), (uint)(nanoseconds % 1_000_000_000));
    }
}
