using Scriptable.Engine.Isolation;
using Scriptable.Engine.Protocol;
using Scriptable.Policies;

namespace Scriptable.Engine.Tests.Isolation;

/// <summary>Answers between a worker and the server: sent in full once, then by id, rebuilt equal on the server.</summary>
public sealed class AnswerCodecTests
{
    public static readonly TheoryData<string> Answers = new()
    {
        "address",
        "rotated",
        "shuffled-scoped",
        "records",
        "cname",
        "nodata-scoped",
        "nxdomain",
        "static",
        "refused",
        "servfail",
    };

    private static Answer Make(string which)
    {
        var origin = PolicyScope.Enter(DnsName.Parse("example.org."));
        try
        {
            return which switch
            {
                "address" => Answer.Address("192.0.2.1", "2001:db8::1"),
                "rotated" => Answer.Address("192.0.2.1", "192.0.2.2", "192.0.2.3").WithTtl(30).Rotated(),
                "shuffled-scoped" => Answer.Address("198.51.100.1", "198.51.100.2").Shuffled().WithScope(24),
                "records" => Answer.Records("300 MX 10 mail", "300 MX 20 mail2.example.net.", "TXT \"v=spf1 -all\"", "5m SRV 0 5 443 web"),
                "cname" => Answer.Cname("lb"),
                "nodata-scoped" => Answer.NoData.WithScope(16),
                "nxdomain" => Answer.NxDomain,
                "static" => Answer.Static,
                "refused" => Answer.Refused,
                _ => Answer.ServFail,
            };
        }
        finally
        {
            PolicyScope.Restore(origin);
        }
    }

    [Theory]
    [MemberData(nameof(Answers))]
    public void Read_WhatWasWritten_SameAnswer(string which)
    {
        var answer = Make(which);
        var encoder = new AnswerEncoder();
        var decoder = new AnswerDecoder();

        var first = RoundTrip(encoder, decoder, answer);
        var again = RoundTrip(encoder, decoder, answer);

        Assert.Equal(answer.Kind, first.Kind);
        Assert.Equal(answer.ToString(), first.ToString());
        Assert.Equal(answer.Order, first.Order);
        Assert.Equal(answer.Kind == AnswerKind.Records ? answer.Scope : -1, first.Scope);
        Assert.Equal(answer.Types, first.Types);

        // The second time, by id: the very answer the server rebuilt the first time (its rotation counter goes on).
        Assert.Same(first, again);
    }

    [Fact]
    public void Read_AfterTheTableWrapsAround_EveryAnswerStillRight()
    {
        var encoder = new AnswerEncoder();
        var decoder = new AnswerDecoder();
        var kept = Answer.Address("192.0.2.250");
        var keptOnServer = RoundTrip(encoder, decoder, kept);

        // Answers built per query pass through the table and push the kept one out: it is then sent in full again.
        for (var i = 0; i < AnswerEncoder.Slots * 3; i++)
        {
            var fresh = Answer.Address("192.0.2." + (i % 250));
            Assert.Equal(fresh.ToString(), RoundTrip(encoder, decoder, fresh).ToString());
        }

        var again = RoundTrip(encoder, decoder, kept);
        Assert.Equal(kept.ToString(), again.ToString());
        Assert.NotSame(keptOnServer, again);
    }

    [Fact]
    public void Read_UnknownId_Throws()
    {
        var writer = new WireWriter();
        writer.Begin(WorkerMessages.Result);
        writer.WriteByte(WorkerMessages.Known);
        writer.WriteInt32(7);
        var decoder = new AnswerDecoder();

        Assert.Throws<InvalidDataException>(() =>
        {
            var reader = new WireReader(writer.Finish()[5..]);
            decoder.Read(ref reader);
        });
    }

    [Theory]
    [InlineData(new byte[] { WorkerMessages.Defined, 1, 0, 0, 0, 9, 0xFF, 0xFF, 1, 0, 0, 0 })]
    [InlineData(new byte[] { WorkerMessages.Defined, 1, 0, 0, 0, 0, 0xFF, 0xFF, 1, 0, 0, 0, 1, 0, 30, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3 })]
    [InlineData(new byte[] { WorkerMessages.KindOnly, (byte)AnswerKind.Records })]
    [InlineData(new byte[] { WorkerMessages.Defined, 1, 0, 0 })]
    [InlineData(new byte[] { 9 })]
    public void Read_Malformed_Throws(byte[] message)
    {
        var decoder = new AnswerDecoder();
        Assert.Throws<InvalidDataException>(() =>
        {
            var reader = new WireReader(message);
            decoder.Read(ref reader);
        });
    }

    private static Answer RoundTrip(AnswerEncoder encoder, AnswerDecoder decoder, Answer answer)
    {
        var writer = new WireWriter();
        writer.Begin(WorkerMessages.Result);
        encoder.Write(writer, answer);
        var reader = new WireReader(writer.Finish()[5..]);
        var read = decoder.Read(ref reader);
        Assert.True(reader.AtEnd);
        return read;
    }
}
