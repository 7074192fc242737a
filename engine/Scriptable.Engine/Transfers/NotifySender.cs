using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Transfers;

/// <summary>
/// Sends NOTIFY (RFC 1996) to a zone's secondaries when it changes, off the query path: one UDP message per
/// secondary, TSIG-signed when the target names a key, sent again after 1, 2, 4 and 8 seconds until the secondary
/// answers (5 tries). A newer version of the zone replaces the NOTIFY of an older one still being retried. An
/// answer other than NOERROR ends the tries with a warning (REFUSED or NOTAUTH will not change by retrying).
/// </summary>
public sealed partial class NotifySender : IDisposable
{
    /// <summary>Tries per secondary and version.</summary>
    public const int Tries = 5;

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _firstWait;
    private readonly ConcurrentDictionary<(DnsName, System.Net.IPEndPoint), CancellationTokenSource> _running = new();
    private readonly CancellationTokenSource _stopping = new();
    private long _sent;
    private long _answered;
    private long _failed;
    private int _disposed;

    /// <summary>Creates a sender; <paramref name="firstWait"/> is the wait after the first try (doubled after each).</summary>
    public NotifySender(ILogger logger, TimeProvider time, TimeSpan? firstWait = null)
    {
        _logger = logger;
        _time = time;
        _firstWait = firstWait ?? TimeSpan.FromSeconds(1);
    }

    /// <summary>NOTIFY messages sent, tries included.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>NOTIFYs a secondary answered with NOERROR.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>NOTIFYs that got no answer after every try, or an error.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Starts telling each target that <paramref name="zone"/> is at its serial; returns at once.</summary>
    public void Notify(Zone zone, IReadOnlyList<NotifyTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(targets);
        if (Volatile.Read(ref _disposed) == 1)
        {
            return;
        }

        foreach (var target in targets)
        {
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            var key = (zone.Origin, target.EndPoint);
            if (_running.TryGetValue(key, out var older))
            {
                older.Cancel();
            }

            _running[key] = cancel;
            _ = Task.Run(() => SendAsync(zone, target, cancel), CancellationToken.None);
        }
    }

    /// <summary>Stops every NOTIFY still being retried.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stopping.Cancel();
        }
    }

    private async Task SendAsync(Zone zone, NotifyTarget target, CancellationTokenSource cancel)
    {
        var token = cancel.Token;
        try
        {
            using var socket = new Socket(target.EndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            await socket.ConnectAsync(target.EndPoint, token).ConfigureAwait(false);
            var message = new byte[1024];
            var answer = new byte[4096];
            var wait = _firstWait;
            for (var attempt = 1; attempt <= Tries; attempt++)
            {
                var id = (ushort)Random.Shared.Next(0, 65536);
                var length = Write(message, id, zone, target.Key, _time.GetUtcNow().ToUnixTimeSeconds());
                await socket.SendAsync(message.AsMemory(0, length), token).ConfigureAwait(false);
                Interlocked.Increment(ref _sent);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(wait);
                try
                {
                    while (true)
                    {
                        var read = await socket.ReceiveAsync(answer, timeout.Token).ConfigureAwait(false);
                        if (read < 12 || BinaryPrimitives.ReadUInt16BigEndian(answer) != id || (answer[2] & 0x80) == 0)
                        {
                            continue;
                        }

                        var rcode = answer[3] & 0xF;
                        if (rcode == ResponseCode.NoError)
                        {
                            Interlocked.Increment(ref _answered);
                            LogAnswered(zone.Origin.ToString(), zone.Serial, target.ToString(), attempt);
                        }
                        else
                        {
                            Interlocked.Increment(ref _failed);
                            LogFailed(zone.Origin.ToString(), zone.Serial, target.ToString(), $"it answered {ResponseCode.ToText(rcode)}");
                        }

                        return;
                    }
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    // No answer in time: try again, waiting twice as long.
                }
                catch (SocketException ex) when (!token.IsCancellationRequested)
                {
                    // ICMP port unreachable: the secondary is not up (yet); try again.
                    LogRetry(zone.Origin.ToString(), target.ToString(), attempt, ex.SocketErrorCode.ToString());
                    await Task.Delay(wait, _time, token).ConfigureAwait(false);
                }

                wait *= 2;
            }

            Interlocked.Increment(ref _failed);
            LogFailed(zone.Origin.ToString(), zone.Serial, target.ToString(), $"no answer after {Tries} tries");
        }
        catch (OperationCanceledException)
        {
            // A newer version's NOTIFY replaced this one, or the server is stopping.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            _running.TryRemove(new KeyValuePair<(DnsName, System.Net.IPEndPoint), CancellationTokenSource>((zone.Origin, target.EndPoint), cancel));
            cancel.Dispose();
        }
    }

    /// <summary>Writes a NOTIFY for the zone's SOA (the SOA in the answer section, RFC 1996 section 3.7), signed with <paramref name="key"/> if any.</summary>
    internal static int Write(byte[] buffer, ushort id, Zone zone, TsigKey? key, long now)
    {
        var writer = new MessageWriter();
        writer.Reset(buffer, buffer.Length);
        writer.WriteUInt16(id);
        writer.WriteUInt16((OpCode.Notify << 11) | 0x0400);
        writer.WriteUInt16(1);
        writer.WriteUInt16(1);
        writer.WriteUInt16(0);
        writer.WriteUInt16(0);
        writer.WriteName(zone.Origin);
        writer.WriteUInt16(RecordType.SOA);
        writer.WriteUInt16(DnsClass.IN);
        writer.WriteRRset(zone.Soa, zone.Origin, zone.Soa.Ttl);
        var length = writer.Position;
        if (key is null)
        {
            return length;
        }

        Span<byte> mac = stackalloc byte[64];
        return TsigCodec.SignRequest(buffer, length, key, now, mac, out _);
    }

    [LoggerMessage(EventId = Diagnostics.EventIds.NotifyAnswered, EventName = nameof(Diagnostics.EventIds.NotifyAnswered), Level = LogLevel.Information,
        Message = "NOTIFY of zone '{Zone}' serial {Serial} to {Target} answered (try {Try}).")]
    private partial void LogAnswered(string zone, uint serial, string target, int @try);

    [LoggerMessage(EventId = Diagnostics.EventIds.NotifyFailed, EventName = nameof(Diagnostics.EventIds.NotifyFailed), Level = LogLevel.Warning,
        Message = "NOTIFY of zone '{Zone}' serial {Serial} to {Target} failed: {Reason}. The secondary will see the change at its next SOA refresh.")]
    private partial void LogFailed(string zone, uint serial, string target, string reason);

    [LoggerMessage(EventId = Diagnostics.EventIds.NotifyRetry, EventName = nameof(Diagnostics.EventIds.NotifyRetry), Level = LogLevel.Debug,
        Message = "NOTIFY of zone '{Zone}' to {Target}: try {Try} failed ({Error}); trying again.")]
    private partial void LogRetry(string zone, string target, int @try, string error);
}
