using Scriptable.Engine.Diagnostics;

namespace Scriptable.Engine.Tests.Diagnostics;

public class MetricBucketsTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(100, 1)]
    [InlineData(101, 2)]
    [InlineData(511, 5)]
    [InlineData(512, 6)]
    [InlineData(64000, 13)]
    [InlineData(65535, 14)]
    public void Slot_Size_FirstBoundNotExceeded(long octets, int slot) =>
        Assert.Equal(slot, MetricBuckets.Slot(MetricBuckets.SizeLongs, octets));

    [Fact]
    public void DurationSeconds_CoreDnsBuckets()
    {
        Assert.Equal(MetricBuckets.DurationSlots - 1, MetricBuckets.DurationSeconds.Length);
        Assert.Equal(0.00025, MetricBuckets.DurationSeconds[0]);
        Assert.Equal(8.192, MetricBuckets.DurationSeconds[^1], 9);
        Assert.Equal(MetricBuckets.SizeSlots - 1, MetricBuckets.SizeOctets.Length);
    }

    [Theory]
    [InlineData(1, "A")]
    [InlineData(28, "AAAA")]
    [InlineData(65, "HTTPS")]
    [InlineData(255, "ANY")]
    [InlineData(99, "other")]
    [InlineData(0, "other")]
    public void MonitoredTypes_IndexOf_NameOrOther(ushort type, string name) =>
        Assert.Equal(name, MonitoredTypes.Names[MonitoredTypes.IndexOf(type)]);
}
