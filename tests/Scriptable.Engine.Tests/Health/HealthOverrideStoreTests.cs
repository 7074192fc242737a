using Scriptable.Engine.Health;
using Scriptable.TestCommon;

namespace Scriptable.Engine.Tests.Health;

public sealed class HealthOverrideStoreTests
{
    private static readonly DateTimeOffset At = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void SaveLoad_RoundTrip()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "state", "overrides.json");
        var overrides = new Dictionary<string, HealthOverride>
        {
            ["eu"] = new(HealthOverrideKind.Drain, At.AddHours(2), "maintenance \"window\"", At),
            ["na"] = new(HealthOverrideKind.ForceDown, null, null, At),
            ["europe"] = new(HealthOverrideKind.ForceUp, null, "ticket 42", At.AddMinutes(5)),
        };

        HealthOverrideStore.Save(path, overrides);
        var loaded = HealthOverrideStore.Load(path);

        Assert.Null(loaded.Error);
        Assert.Equal(overrides.OrderBy(o => o.Key), loaded.Overrides.OrderBy(o => o.Key));
        Assert.Equal(["overrides.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void Save_ReplacesAtomically()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "overrides.json");
        HealthOverrideStore.Save(path, new Dictionary<string, HealthOverride> { ["eu"] = new(HealthOverrideKind.Drain, null, null, At) });

        HealthOverrideStore.Save(path, new Dictionary<string, HealthOverride>());

        Assert.Empty(HealthOverrideStore.Load(path).Overrides);
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Load_Missing_EmptyWithoutError()
    {
        var loaded = HealthOverrideStore.Load("/nonexistent/overrides.json");

        Assert.Empty(loaded.Overrides);
        Assert.Null(loaded.Error);
    }

    [Theory]
    [InlineData("{ \"overrides\": { \"eu\": ", "line 1: ")]
    [InlineData("[]", "the file holds array, not an object with 'overrides'")]
    [InlineData("{ \"version\": 2 }", "version 2 is not 1")]
    [InlineData("{ \"overrides\": { \"eu\": { \"kind\": \"sideways\" } } }", "'eu': kind 'sideways' is not force-up, force-down or drain")]
    [InlineData("{ \"overrides\": { \"eu\": { } } }", "'eu': kind is missing force-up, force-down or drain")]
    [InlineData("{ \"overrides\": { \"eu\": { \"kind\": \"drain\", \"expires\": \"soon\" } } }", "'eu': expires is not a time such as 2026-05-01T12:00:00+00:00")]
    public void Load_Malformed_ReportedAndIgnored(string json, string expected)
    {
        using var folder = new TempFolder();
        var path = folder.Write("overrides.json", json);

        var loaded = HealthOverrideStore.Load(path);

        Assert.Empty(loaded.Overrides);
        Assert.StartsWith(path + ": ", loaded.Error, StringComparison.Ordinal);
        Assert.Contains(expected, loaded.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_KindsAsWords()
    {
        var json = HealthOverrideStore.ToJson(new Dictionary<string, HealthOverride> { ["eu"] = new(HealthOverrideKind.ForceDown, null, null, At) });

        Assert.Contains("\"kind\": \"force-down\"", json, StringComparison.Ordinal);
        Assert.Contains("\"setAt\": \"2026-05-01T10:00:00+00:00\"", json, StringComparison.Ordinal);
    }
}
