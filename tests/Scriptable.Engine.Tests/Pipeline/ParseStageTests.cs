using Scriptable.Engine.Pipeline;
using Scriptable.Engine.Protocol;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Pipeline;

/// <summary>Bad input: dropped or answered FORMERR/NOTIMP/REFUSED, never a crash.</summary>
public class ParseStageTests
{
    private readonly PipelineHarness _harness = PipelineHarness.Example();

    private static readonly byte[] s_good = RawQuery.Build("www.example.org", RecordType.A);

    public static TheoryData<string, byte[]> Dropped => new()
    {
        { "empty", [] },
        { "short header", [0x12, 0x34, 0, 0, 0, 1] },
        { "response (QR=1)", Patch(s_good, 2, 0x80) },
    };

    [Theory]
    [MemberData(nameof(Dropped))]
    public void Parse_Garbage_Dropped(string what, byte[] packet)
    {
        Assert.True(_harness.Run(packet) is null, what);
    }

    public static TheoryData<string, byte[]> FormErrors => new()
    {
        { "no question", RawQuery.WithCounts(s_good, 0, 0, 0, 0) },
        { "two questions", RawQuery.WithCounts(s_good, 2, 0, 0, 0) },
        { "question cut short", s_good[..20] },
        { "type and class missing", s_good[..(s_good.Length - 3)] },
        { "label over 63", Build([64, .. new byte[64], 0, 0, 1, 0, 1]) },
        { "compression pointer in question", Build([0xC0, 12, 0, 1, 0, 1]) },
        { "reserved label type", Build([0x40, 0, 0, 1, 0, 1]) },
        { "additional count without record", RawQuery.WithCounts(s_good, 1, 0, 0, 1) },
        { "answer count without record", RawQuery.WithCounts(s_good, 1, 3, 0, 0) },
        { "OPT not owned by root", OptWithOwner() },
        { "two OPT records", TwoOpts() },
        { "OPT option overruns", OptBadLength() },
        { "ECS scope in query", RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(Options: [RawQuery.Ecs("192.0.2.0/24", scope: 24)])) },
        { "ECS unknown family", RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(Options: [(8, [0, 3, 8, 0, 1])])) },
        { "ECS prefix too long", RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(Options: [(8, [0, 1, 33, 0, 1, 2, 3, 4, 5])])) },
        { "ECS address too long", RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(Options: [(8, [0, 1, 8, 0, 192, 0])])) },
        { "ECS bits beyond prefix", RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(Options: [(8, [0, 1, 7, 0, 0xFF])])) },
        { "ECS shorter than its header", RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(Options: [(8, [0, 1])])) },
        { "two ECS options", RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(Options: [RawQuery.Ecs("192.0.2.0/24"), RawQuery.Ecs("192.0.2.0/24")])) },
        { "query type OPT", RawQuery.Build("www.example.org", RecordType.OPT) },
    };

    [Theory]
    [MemberData(nameof(FormErrors))]
    public void Parse_MalformedBody_FormErr(string what, byte[] packet)
    {
        var response = _harness.Run(packet);
        Assert.True(response is not null, what);
        Assert.Equal(ResponseCode.FormErr, Responses.HeaderRcode(response));
        Assert.Equal(packet[0], response[0]);
        Assert.Equal(packet[1], response[1]);
        Assert.True((Responses.Flags(response) & 0x8000) != 0, "QR set");
        Responses.Parse(response);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(15)]
    public void Validate_UnknownOpcode_NotImp(int opcode)
    {
        var response = _harness.Run(RawQuery.Build("www.example.org", RecordType.A, opcode: opcode))!;
        Assert.Equal(ResponseCode.NotImp, Responses.HeaderRcode(response));
        Assert.Equal(opcode, (Responses.Flags(response) >> 11) & 0xF);
    }

    /// <summary>
    /// An opcode we do not implement is NOTIMP whether or not the message has a question (RFC 1035 4.1.1, RFC 6895
    /// section 2.2: the opcode says how to read the rest), as knotd answers; only a QUERY needs exactly one question.
    /// </summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, false)]
    [InlineData(5, true)]
    [InlineData(6, false)]
    [InlineData(15, true)]
    public void Validate_UnknownOpcodeWithoutQuestion_NotImp(int opcode, bool edns)
    {
        var packet = RawQuery.WithCounts(RawQuery.Build("www.example.org", RecordType.A, opcode: opcode)[..12], 0, 0, 0, edns ? 1 : 0);
        if (edns)
        {
            packet = [.. packet, .. RawQuery.Opt(new Edns())];
        }

        var response = _harness.Run(packet)!;

        Assert.Equal(ResponseCode.NotImp, Responses.HeaderRcode(response));
        Assert.Equal(opcode, (Responses.Flags(response) >> 11) & 0xF);
        var message = Responses.Parse(response);
        Assert.Empty(message.Questions);
        Assert.Equal(edns, message.IsEDnsEnabled);
    }

    /// <summary>
    /// CD has a meaning only for QUERY (RFC 4035 3.1.6, RFC 6840 5.9): a message of another opcode gets RD back (RFC
    /// 6895 section 2: RD and CD are the bits copied) but not CD, as knotd answers.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(15)]
    public void Finalize_OtherOpcodes_RdKeptCdCleared(int opcode)
    {
        var response = _harness.Run(RawQuery.Build("www.example.org", RecordType.A, opcode: opcode, recursionDesired: true, checkingDisabled: true))!;

        Assert.Equal(ResponseCode.NotImp, Responses.HeaderRcode(response));
        Assert.Equal(0x0100, Responses.Flags(response) & 0x0100);
        Assert.Equal(0, Responses.Flags(response) & 0x0010);
    }

    [Theory]
    [InlineData(RecordType.AXFR, DnsClass.IN, ResponseCode.FormErr)] // AXFR over UDP, as BIND answers it (SecondariesTests asks BIND)
    [InlineData(RecordType.IXFR, DnsClass.IN, ResponseCode.Refused)]
    [InlineData(RecordType.A, DnsClass.CH, ResponseCode.Refused)]
    [InlineData(RecordType.A, DnsClass.ANY, ResponseCode.Refused)]
    [InlineData(RecordType.A, 42, ResponseCode.NotImp)]
    [InlineData(RecordType.MAILB, DnsClass.IN, ResponseCode.NotImp)]
    public void Validate_UnservedKinds_Refused_Or_NotImp(ushort type, ushort @class, int rcode)
    {
        var response = _harness.Run(RawQuery.Build("example.org", type, @class))!;
        Assert.Equal(rcode, Responses.HeaderRcode(response));
    }

    [Fact]
    public void Parse_TrailingOctets_Ignored()
    {
        var response = _harness.Run([.. s_good, 1, 2, 3])!;
        Assert.Equal(ResponseCode.NoError, Responses.HeaderRcode(response));
    }

    [Fact]
    public void Parse_CompressedNamesInAdditional_Skipped()
    {
        // An A record in additional whose owner points at the question name, then a valid OPT.
        byte[] extra = [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1];
        var packet = RawQuery.WithCounts([.. s_good, .. extra, .. RawQuery.Opt(new Edns())], 1, 0, 0, 2);
        var message = Responses.Parse(_harness.Run(packet)!);
        Assert.True(message.IsEDnsEnabled);
        Assert.Equal(2, message.AnswerRecords.Count);
    }

    [Fact]
    public void Parse_RandomPackets_NeverThrowAndEveryResponseParses()
    {
        var random = new Random(20261122);
        for (var i = 0; i < 20_000; i++)
        {
            byte[] packet;
            if (i % 2 == 0)
            {
                packet = new byte[random.Next(0, 600)];
                random.NextBytes(packet);
            }
            else
            {
                // Mutate a valid EDNS query: random bytes flipped, random length.
                packet = RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(Options: [RawQuery.Ecs("192.0.2.0/24")]));
                for (var flips = random.Next(1, 6); flips > 0; flips--)
                {
                    packet[random.Next(packet.Length)] = (byte)random.Next(256);
                }

                packet = packet[..random.Next(1, packet.Length + 1)];
            }

            var response = _harness.Run(packet);
            if (response is not null)
            {
                Assert.True(response.Length >= 12);
                Assert.True((Responses.Flags(response) & 0x8000) != 0);
                Assert.True(response.Length <= 1232, "UDP answers stay within the EDNS limit");
            }
        }

        Assert.Equal(0, _harness.Failures);
    }

    private static byte[] Patch(byte[] packet, int offset, byte orMask)
    {
        var copy = (byte[])packet.Clone();
        copy[offset] |= orMask;
        return copy;
    }

    private static byte[] Build(byte[] question) => [0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, .. question];

    private static byte[] OptWithOwner()
    {
        var opt = RawQuery.Opt(new Edns());
        byte[] named = [1, (byte)'x', .. opt];
        return RawQuery.WithCounts([.. s_good, .. named], 1, 0, 0, 1);
    }

    private static byte[] TwoOpts()
    {
        var opt = RawQuery.Opt(new Edns());
        return RawQuery.WithCounts([.. s_good, .. opt, .. opt], 1, 0, 0, 2);
    }

    private static byte[] OptBadLength()
    {
        var packet = RawQuery.Build("www.example.org", RecordType.A, edns: new Edns(Options: [(65001, [1, 2, 3, 4])]));
        packet[^5] = 9; // option length 9 > 4 octets present
        return packet;
    }
}
