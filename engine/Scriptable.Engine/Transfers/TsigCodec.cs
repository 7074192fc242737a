using System.Buffers.Binary;
using System.Security.Cryptography;
using Scriptable.Engine.Protocol;

namespace Scriptable.Engine.Transfers;

/// <summary>
/// Reads, verifies and writes TSIG records (RFC 8945): the query's MAC over the message without its TSIG record,
/// ARCOUNT one less and the original ID, then the TSIG variables (section 4.3.3); a response's MAC over the
/// query's MAC, the response and the variables (4.3.2); a transfer's later messages over the previous MAC, the
/// message and the timers only (4.3.1, 5.3.1). Signed messages only: the unsigned path never comes here.
/// </summary>
internal static class TsigCodec
{
    private const int HeaderSize = 12;
    private const ushort ClassAny = 255;

    /// <summary>
    /// Verifies the query's TSIG record (found by the parser at <see cref="TsigState.RecordOffset"/>) in the order of
    /// RFC 8945 section 5.2: the key (BADKEY), the MAC (BADSIG, or FORMERR for a malformed length), the time
    /// (BADTIME). Returns the RCODE to answer: 0 (verified), NOTAUTH (with <see cref="TsigState.Error"/> set) or FORMERR.
    /// </summary>
    public static int Verify(ReadOnlySpan<byte> packet, TsigState state, TsigKeyRing keys, long now)
    {
        var pos = state.RecordOffset;
        var keyNameEnd = SkipUncompressed(packet, pos);
        if (keyNameEnd < 0 || keyNameEnd + 10 > packet.Length)
        {
            return ResponseCode.FormErr;
        }

        var @class = BinaryPrimitives.ReadUInt16BigEndian(packet[(keyNameEnd + 2)..]);
        var ttl = BinaryPrimitives.ReadUInt32BigEndian(packet[(keyNameEnd + 4)..]);
        var rdLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(keyNameEnd + 8)..]);
        var rdata = keyNameEnd + 10;
        var end = rdata + rdLength;
        var algorithmEnd = SkipUncompressed(packet, rdata);
        if (@class != ClassAny || ttl != 0 || end != packet.Length || algorithmEnd < 0 || algorithmEnd + 10 > end)
        {
            return ResponseCode.FormErr;
        }

        var fields = packet[algorithmEnd..end];
        var timeSigned = ((long)BinaryPrimitives.ReadUInt16BigEndian(fields) << 32) | BinaryPrimitives.ReadUInt32BigEndian(fields[2..]);
        var fudge = BinaryPrimitives.ReadUInt16BigEndian(fields[6..]);
        var macSize = BinaryPrimitives.ReadUInt16BigEndian(fields[8..]);
        if (10 + macSize + 6 > fields.Length || macSize > 64)
        {
            return ResponseCode.FormErr;
        }

        var mac = fields.Slice(10, macSize);
        var originalId = BinaryPrimitives.ReadUInt16BigEndian(fields[(10 + macSize)..]);
        var otherLength = BinaryPrimitives.ReadUInt16BigEndian(fields[(10 + macSize + 4)..]);
        if (10 + macSize + 6 + otherLength != fields.Length)
        {
            return ResponseCode.FormErr;
        }

        state.SetNames(packet[pos..keyNameEnd], packet[rdata..algorithmEnd]);
        state.TimeSigned = timeSigned;
        state.QueryFudge = fudge;
        state.OriginalId = originalId;
        state.SetMac(mac);

        Span<byte> lowerKey = stackalloc byte[keyNameEnd - pos];
        Span<byte> lowerAlgorithm = stackalloc byte[algorithmEnd - rdata];
        Lower(packet[pos..keyNameEnd], lowerKey);
        Lower(packet[rdata..algorithmEnd], lowerAlgorithm);
        var key = keys.Find(lowerKey);
        if (key is null || !key.Algorithm.WireName.LowerWire.SequenceEqual(lowerAlgorithm))
        {
            state.Error = TsigError.BadKey;
            return ResponseCode.NotAuth;
        }

        state.Key = key;
        var full = key.Algorithm.MacSize;
        if (macSize > full || macSize < Math.Max(10, full / 2))
        {
            // RFC 8945 section 5.2.2.1: a MAC longer than the algorithm's, or shorter than both 10 octets and half.
            state.Key = null;
            return ResponseCode.FormErr;
        }

        Span<byte> computed = stackalloc byte[64];
        using (var hmac = IncrementalHash.CreateHMAC(key.Algorithm.Hash, key.Secret))
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            packet[..HeaderSize].CopyTo(header);
            BinaryPrimitives.WriteUInt16BigEndian(header, originalId);
            BinaryPrimitives.WriteUInt16BigEndian(header[10..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(header[10..]) - 1));
            hmac.AppendData(header);
            hmac.AppendData(packet[HeaderSize..pos]);
            AppendVariables(hmac, lowerKey, lowerAlgorithm, timeSigned, fudge, BinaryPrimitives.ReadUInt16BigEndian(fields[(10 + macSize + 2)..]), fields.Slice(10 + macSize + 6, otherLength));
            hmac.TryGetHashAndReset(computed, out _);
        }

        if (!CryptographicOperations.FixedTimeEquals(computed[..macSize], mac))
        {
            // Unsigned answer (section 5.3.2): we could not check the client's MAC, so we do not sign over it.
            state.Key = null;
            state.Error = TsigError.BadSig;
            return ResponseCode.NotAuth;
        }

        if (Math.Abs(now - timeSigned) > fudge)
        {
            state.Error = TsigError.BadTime;
            return ResponseCode.NotAuth;
        }

        if (macSize < full)
        {
            // Our local policy takes full MACs only (section 5.2.2.1 lets a server refuse truncation).
            state.Error = TsigError.BadTrunc;
            return ResponseCode.NotAuth;
        }

        return ResponseCode.NoError;
    }

    /// <summary>Octets the TSIG record of a response to <paramref name="state"/>'s query takes at most.</summary>
    public static int ResponseSize(TsigState state)
    {
        var keyName = state.Key?.Name.WireLength ?? state.KeyName.Length;
        var algorithm = state.Key?.Algorithm.WireName.WireLength ?? state.Algorithm.Length;
        return keyName + 10 + algorithm + 16 + (state.Key?.Algorithm.MacSize ?? 0) + 6;
    }

    /// <summary>
    /// Appends the TSIG record to the message in <paramref name="buffer"/>[0..<paramref name="length"/>] (whose
    /// ARCOUNT does not count it yet) and counts it; returns the new length. Signed with the query's key unless the
    /// error is BADKEY or BADSIG; the first response is signed over the query's MAC, later ones (a transfer) over
    /// the previous message's MAC, with the timers only.
    /// </summary>
    public static int Sign(Span<byte> buffer, int length, TsigState state, long now)
    {
        var key = state.Key;
        var first = state.MessagesSigned == 0;
        var error = state.Error;
        var timeSigned = error == TsigError.BadTime ? state.TimeSigned : now;
        Span<byte> other = stackalloc byte[6];
        var otherLength = 0;
        if (error == TsigError.BadTime)
        {
            // Section 5.2.3: the server's time, for the client to see how far off it is.
            BinaryPrimitives.WriteUInt16BigEndian(other, (ushort)(now >> 32));
            BinaryPrimitives.WriteUInt32BigEndian(other[2..], (uint)now);
            otherLength = 6;
        }

        Span<byte> mac = stackalloc byte[64];
        var macSize = 0;
        if (key is not null)
        {
            using var hmac = IncrementalHash.CreateHMAC(key.Algorithm.Hash, key.Secret);
            Span<byte> prefix = stackalloc byte[2];
            var prior = first ? state.Mac : state.PriorMac;
            BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)prior.Length);
            hmac.AppendData(prefix);
            hmac.AppendData(prior);
            Span<byte> header = stackalloc byte[HeaderSize];
            buffer[..HeaderSize].CopyTo(header);
            BinaryPrimitives.WriteUInt16BigEndian(header, state.OriginalId);
            hmac.AppendData(header);
            hmac.AppendData(buffer[HeaderSize..length]);
            if (first)
            {
                AppendVariables(hmac, key.Name.LowerWire, key.Algorithm.WireName.LowerWire, timeSigned, TsigState.Fudge, error, other[..otherLength]);
            }
            else
            {
                Span<byte> timers = stackalloc byte[8];
                WriteTimers(timers, timeSigned, TsigState.Fudge);
                hmac.AppendData(timers);
            }

            hmac.TryGetHashAndReset(mac, out macSize);
            state.SetPriorMac(mac[..macSize]);
        }

        var pos = length;
        var keyName = key is not null ? key.Name.LowerWire : state.KeyName;
        var algorithm = key is not null ? key.Algorithm.WireName.LowerWire : state.Algorithm;
        keyName.CopyTo(buffer[pos..]);
        pos += keyName.Length;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[pos..], RecordType.TSIG);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(pos + 2)..], ClassAny);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[(pos + 4)..], 0);
        var rdLength = algorithm.Length + 16 + macSize + otherLength;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(pos + 8)..], (ushort)rdLength);
        pos += 10;
        algorithm.CopyTo(buffer[pos..]);
        pos += algorithm.Length;
        WriteTimers(buffer[pos..], timeSigned, TsigState.Fudge);
        pos += 8;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[pos..], (ushort)macSize);
        mac[..macSize].CopyTo(buffer[(pos + 2)..]);
        pos += 2 + macSize;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[pos..], state.OriginalId);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(pos + 2)..], (ushort)error);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(pos + 4)..], (ushort)otherLength);
        other[..otherLength].CopyTo(buffer[(pos + 6)..]);
        pos += 6 + otherLength;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[10..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(buffer[10..]) + 1));
        state.MessagesSigned++;
        return pos;
    }

    /// <summary>
    /// Signs a request we send (a NOTIFY): appends a TSIG record with <paramref name="key"/> to the message in
    /// <paramref name="buffer"/>[0..<paramref name="length"/>] and returns the new length; <paramref name="mac"/>
    /// receives the MAC, which the response is signed over.
    /// </summary>
    public static int SignRequest(Span<byte> buffer, int length, TsigKey key, long now, Span<byte> mac, out int macSize)
    {
        using (var hmac = IncrementalHash.CreateHMAC(key.Algorithm.Hash, key.Secret))
        {
            hmac.AppendData(buffer[..length]);
            AppendVariables(hmac, key.Name.LowerWire, key.Algorithm.WireName.LowerWire, now, TsigState.Fudge, 0, []);
            hmac.TryGetHashAndReset(mac, out macSize);
        }

        var originalId = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        var pos = length;
        key.Name.LowerWire.CopyTo(buffer[pos..]);
        pos += key.Name.WireLength;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[pos..], RecordType.TSIG);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(pos + 2)..], ClassAny);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[(pos + 4)..], 0);
        var algorithm = key.Algorithm.WireName.LowerWire;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(pos + 8)..], (ushort)(algorithm.Length + 16 + macSize));
        pos += 10;
        algorithm.CopyTo(buffer[pos..]);
        pos += algorithm.Length;
        WriteTimers(buffer[pos..], now, TsigState.Fudge);
        pos += 8;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[pos..], (ushort)macSize);
        mac[..macSize].CopyTo(buffer[(pos + 2)..]);
        pos += 2 + macSize;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[pos..], originalId);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[(pos + 2)..], 0);
        pos += 6;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[10..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(buffer[10..]) + 1));
        return pos;
    }

    private static void AppendVariables(IncrementalHash hmac, ReadOnlySpan<byte> keyName, ReadOnlySpan<byte> algorithm, long timeSigned, ushort fudge, int error, ReadOnlySpan<byte> other)
    {
        Span<byte> fixedPart = stackalloc byte[6];
        hmac.AppendData(keyName);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, ClassAny);
        BinaryPrimitives.WriteUInt32BigEndian(fixedPart[2..], 0);
        hmac.AppendData(fixedPart);
        hmac.AppendData(algorithm);
        Span<byte> timers = stackalloc byte[8];
        WriteTimers(timers, timeSigned, fudge);
        hmac.AppendData(timers);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(tail, (ushort)error);
        BinaryPrimitives.WriteUInt16BigEndian(tail[2..], (ushort)other.Length);
        hmac.AppendData(tail);
        hmac.AppendData(other);
    }

    private static void WriteTimers(Span<byte> buffer, long timeSigned, ushort fudge)
    {
        BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)(timeSigned >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(buffer[2..], (uint)timeSigned);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[6..], fudge);
    }

    /// <summary>The end of an uncompressed name at <paramref name="pos"/>, or -1 (a pointer, a bad label, past the end).</summary>
    private static int SkipUncompressed(ReadOnlySpan<byte> packet, int pos)
    {
        var start = pos;
        while (pos < packet.Length)
        {
            int len = packet[pos];
            if (len == 0)
            {
                return pos + 1 - start <= DnsName.MaxWireLength ? pos + 1 : -1;
            }

            if (len > DnsName.MaxLabelLength)
            {
                return -1;
            }

            pos += len + 1;
        }

        return -1;
    }

    private static void Lower(ReadOnlySpan<byte> wire, Span<byte> lower)
    {
        for (var i = 0; i < wire.Length; i++)
        {
            lower[i] = NameHash.Lower(wire[i]);
        }
    }
}
