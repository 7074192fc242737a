using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Time.Testing;
using Scriptable.Engine.Configuration;
using Scriptable.Engine.Dnssec;
using Scriptable.Engine.Model;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;
using Scriptable.TestCommon;
using RecordType = Scriptable.Engine.Protocol.RecordType;

namespace Scriptable.Engine.Tests.Dnssec;

/// <summary>Online signing through the whole pipeline: what DO=1 answers carry, that DO=0 answers do not change, and the cache.</summary>
public sealed class SignStageTests : IDisposable
{
    private static readonly DnsName Origin = DnsName.Parse("example.org.");
    private readonly DnssecKey _key = DnssecKey.Create(Origin, DnssecKey.KskFlags);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly PipelineHarness _signed;
    private readonly PipelineHarness _unsigned;

    public SignStageTests()
    {
        var zones = new ZoneSet([TestZones.Example()]);
        _signed = new PipelineHarness(new ServerSnapshot(zones, new DnsConfig(), dnssec: new SigningSet([new ZoneKeys(Origin, [_key])])), _time);
        _unsigned = new PipelineHarness(new ServerSnapshot(zones, new DnsConfig()), _time);
    }

    public void Dispose() => _key.Dispose();

    private static readonly Edns Do = new(DnssecOk: true);

    [Theory]
    [InlineData("www.example.org", RecordType.A)]
    [InlineData("nothing.example.org", RecordType.A)]
    [InlineData("www.example.org", RecordType.TXT)]
    [InlineData("example.org", RecordType.DNSKEY)]
    [InlineData("www.sub.example.org", RecordType.A)]
    public void DnssecOkClear_SameBytesAsUnsigned(string name, ushort type)
    {
        var query = RawQuery.Build(name, type, edns: new Edns());
        var signed = _signed.Run(query)!;
        if (type == RecordType.DNSKEY)
        {
            // A signed zone publishes its key to everyone; only the RRSIGs depend on DO.
            Assert.Empty(Responses.Parse(signed).AnswerRecords.OfType<RrSigRecord>());
            return;
        }

        Assert.Equal(_unsigned.Run(query), signed);
    }

    [Fact]
    public void Positive_RrsigVerifiesAndIsCached()
    {
        var first = Responses.Parse(_signed.Run(RawQuery.Build("WWW.example.org", RecordType.A, edns: Do))!);
        var rrsig = Assert.Single(first.AnswerRecords.OfType<RrSigRecord>());
        Assert.Equal(_key.Tag, rrsig.KeyTag);
        Assert.Equal(3, rrsig.Labels);
        Assert.Equal("example.org.", rrsig.SignersName.ToString());
        Assert.Equal(RecordType.A, (ushort)rrsig.TypeCovered);
        var set = TestZones.Example().Find(DnsName.Parse("www.example.org."))!.Find(RecordType.A)!;
        Assert.Null(RrsigSigner.Verify(_key, RrsigWire(rrsig), DnsName.Parse("www.example.org.").LowerWire, set, _time.GetUtcNow()));

        var second = Responses.Parse(_signed.Run(RawQuery.Build("www.example.org", RecordType.A, edns: Do))!);
        Assert.Equal(rrsig.Signature, Assert.Single(second.AnswerRecords.OfType<RrSigRecord>()).Signature);
        Assert.Equal((1L, 1L), _signed.SignatureLookups);
        Assert.Equal(1, _signed.Signatures.Signed);
    }

    [Fact]
    public void WindowEnds_SignedAgainWithTheNextWindow()
    {
        var before = Assert.Single(Responses.Parse(_signed.Run(RawQuery.Build("www.example.org", RecordType.A, edns: Do))!).AnswerRecords.OfType<RrSigRecord>());
        _time.Advance(TimeSpan.FromDays(7));
        var after = Assert.Single(Responses.Parse(_signed.Run(RawQuery.Build("www.example.org", RecordType.A, edns: Do))!).AnswerRecords.OfType<RrSigRecord>());
        Assert.Equal(TimeSpan.FromDays(7), after.SignatureInception - before.SignatureInception);
        Assert.Equal(TimeSpan.FromDays(21) + TimeSpan.FromHours(1), after.SignatureExpiration - before.SignatureInception);
        // Replaced when its window ends (the next one's start), a week before it expires.
        Assert.Equal(TimeSpan.FromDays(7), before.SignatureExpiration - (after.SignatureInception + TimeSpan.FromHours(1)));
        Assert.Equal(2, _signed.Signatures.Signed);
    }

    [Fact]
    public void NxDomain_CompactDenial()
    {
        var message = Responses.Parse(_signed.Run(RawQuery.Build("nothing.example.org", RecordType.A, edns: Do))!);
        Assert.Equal(ReturnCode.NoError, message.ReturnCode);
        Assert.True(message.IsAuthoritiveAnswer);
        Assert.Empty(message.AnswerRecords);
        var nsec = Assert.Single(message.AuthorityRecords.OfType<NSecRecord>());
        Assert.Equal("nothing.example.org.", nsec.Name.ToString());
        Assert.Equal(@"\000.nothing.example.org.", nsec.NextDomainName.ToString());
        Assert.Equal(["RrSig", "NSec", "128"], nsec.Types.Select(t => t.ToString()));
        Assert.Equal(["Soa", "NSec"], message.AuthorityRecords.OfType<RrSigRecord>().Select(r => r.TypeCovered.ToString()));
        Assert.Equal(300, nsec.TimeToLive);
    }

    [Fact]
    public void NoData_NsecListsTheTypesThere()
    {
        var message = Responses.Parse(_signed.Run(RawQuery.Build("www.example.org", RecordType.MX, edns: Do))!);
        var nsec = Assert.Single(message.AuthorityRecords.OfType<NSecRecord>());
        Assert.Equal(["A", "Aaaa", "RrSig", "NSec"], nsec.Types.Select(t => t.ToString()));

        var apex = Responses.Parse(_signed.Run(RawQuery.Build("example.org", RecordType.AAAA, edns: Do))!);
        Assert.Contains(RecordType.DNSKEY, Assert.Single(apex.AuthorityRecords.OfType<NSecRecord>()).Types.Select(t => (ushort)t));
    }

    [Fact]
    public void Referral_DsProofSignedNsNot()
    {
        var message = Responses.Parse(_signed.Run(RawQuery.Build("www.sub.example.org", RecordType.A, edns: Do))!);
        Assert.False(message.IsAuthoritiveAnswer);
        var nsec = Assert.Single(message.AuthorityRecords.OfType<NSecRecord>());
        Assert.Equal("sub.example.org.", nsec.Name.ToString());
        Assert.Equal(["Ns", "RrSig", "NSec"], nsec.Types.Select(t => t.ToString()));
        Assert.Equal(["NSec"], message.AuthorityRecords.OfType<RrSigRecord>().Select(r => r.TypeCovered.ToString()));
    }

    [Fact]
    public void Dnskey_SignedByTheKsk()
    {
        var message = Responses.Parse(_signed.Run(RawQuery.Build("example.org", RecordType.DNSKEY, edns: Do))!);
        var dnskey = Assert.Single(message.AnswerRecords.OfType<DnsKeyRecord>());
        Assert.Equal(_key.Tag, dnskey.CalculateKeyTag());
        Assert.Equal(_key.Tag, Assert.Single(message.AnswerRecords.OfType<RrSigRecord>()).KeyTag);
    }

    [Fact]
    public void NxnameQuestion_FormErr()
    {
        var response = _signed.Run(RawQuery.Build("www.example.org", RecordType.NXNAME, edns: Do))!;
        Assert.Equal(ResponseCode.FormErr, Responses.HeaderRcode(response));
    }

    [Fact]
    public void BrokenKeys_ServFailForThatZoneOnly()
    {
        var zones = new ZoneSet([TestZones.Example(), TestZones.Build("example.net", "$ORIGIN example.net.\n@ 300 IN SOA ns hm 1 2 3 4 5\n@ 300 IN NS ns\nns 300 IN A 192.0.2.9\n")]);
        var harness = new PipelineHarness(new ServerSnapshot(zones, new DnsConfig(), dnssec: new SigningSet([new ZoneKeys(Origin, [], "unreadable")])), _time);
        Assert.Equal(ResponseCode.ServFail, Responses.HeaderRcode(harness.Run(RawQuery.Build("www.example.org", RecordType.A))!));
        Assert.Equal(ResponseCode.NoError, Responses.HeaderRcode(harness.Run(RawQuery.Build("ns.example.net", RecordType.A))!));
    }

    private static byte[] RrsigWire(RrSigRecord r)
    {
        var signer = r.SignersName.ToString().ToLowerInvariant();
        var name = RawQuery.EncodeName(signer);
        var wire = new byte[18 + name.Length + r.Signature.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(wire, (ushort)r.TypeCovered);
        wire[2] = (byte)r.Algorithm;
        wire[3] = r.Labels;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(wire.AsSpan(4), r.OriginalTimeToLive);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(wire.AsSpan(8), (uint)new DateTimeOffset(r.SignatureExpiration, TimeSpan.Zero).ToUnixTimeSeconds());
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(wire.AsSpan(12), (uint)new DateTimeOffset(r.SignatureInception, TimeSpan.Zero).ToUnixTimeSeconds());
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(wire.AsSpan(16), r.KeyTag);
        name.CopyTo(wire, 18);
        r.Signature.CopyTo(wire, 18 + name.Length);
        return wire;
    }
}
