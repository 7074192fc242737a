using Scriptable.Engine.Dnssec;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Tests.Dnssec;

/// <summary>The signature cache: bounded without a clear, one signature for concurrent misses, keyed by the whole RRset.</summary>
public sealed class SignatureCacheTests : IDisposable
{
    private static readonly DnsName Origin = DnsName.Parse("example.org.");
    private readonly DnssecKey _key = DnssecKey.Create(Origin, DnssecKey.ZskFlags);
    private readonly SignatureWindow _window = ValidityWindow.For(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), 0);

    public void Dispose() => _key.Dispose();

    private static RRset Txt(string owner, string text) =>
        new(DnsName.Parse(owner), RecordType.TXT, 300, [RData.FromWire(RecordType.TXT, [(byte)text.Length, .. System.Text.Encoding.ASCII.GetBytes(text)])]);

    private RRset Sign(SignatureCache cache, RRset set, out bool hit) =>
        cache.GetOrSign(_key, Origin, set.Owner.LowerWire, set.Owner, set, set.Ttl, _window, out hit);

    [Fact]
    public void DistinctRRsets_NeverShareASignature()
    {
        // coredns#3953: two TXT RRsets of one name must not be found under one key.
        var cache = new SignatureCache();
        var a = Sign(cache, Txt("t.example.org.", "a"), out _);
        var b = Sign(cache, Txt("t.example.org.", "b"), out var hit);
        Assert.False(hit);
        Assert.NotEqual(a.Records[0].Wire.ToArray(), b.Records[0].Wire.ToArray());
        Assert.Same(a, Sign(cache, Txt("T.EXAMPLE.ORG.", "a"), out hit));
        Assert.True(hit);
    }

    [Fact]
    public void ManyNames_BoundedByCapacity()
    {
        var cache = new SignatureCache(capacity: 8);
        for (var i = 0; i < 100; i++)
        {
            Sign(cache, Txt($"n{i}.example.org.", "x"), out _);
            Assert.InRange(cache.Count, 1, 8);
        }

        Assert.Equal(100, cache.Signed);
        // The newest survive a generation turn.
        Sign(cache, Txt("n99.example.org.", "x"), out var hit);
        Assert.True(hit);
    }

    [Fact]
    public async Task ConcurrentMisses_SignOnce()
    {
        var cache = new SignatureCache();
        var set = Txt("same.example.org.", "x");
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            start.Wait();
            return Sign(cache, set, out var _);
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(1, cache.Signed);
        Assert.All(results, r => Assert.Same(results[0], r));
    }

    [Fact]
    public void Window_SameForEveryNodeAndShiftedPerZone()
    {
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(ValidityWindow.For(now, 1000), ValidityWindow.For(now.AddMinutes(5), 1000));
        var window = ValidityWindow.For(now, 1000);
        Assert.Equal(ValidityWindow.LifetimeSeconds + ValidityWindow.BackdateSeconds, window.Expiration - window.Inception);
        Assert.InRange(now.ToUnixTimeSeconds() - window.Inception, ValidityWindow.BackdateSeconds, ValidityWindow.BackdateSeconds + ValidityWindow.PeriodSeconds);
        Assert.NotEqual(new ZoneKeys(Origin, [_key]).WindowOffset, new ZoneKeys(DnsName.Parse("example.net."), [_key]).WindowOffset);
    }
}
