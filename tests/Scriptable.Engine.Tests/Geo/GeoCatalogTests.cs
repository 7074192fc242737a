using Scriptable.Engine.Geo;
using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;

namespace Scriptable.Engine.Tests.Geo;

/// <summary>Database files across reloads: unchanged, replaced, broken, discovered, removed.</summary>
public sealed class GeoCatalogTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string relative, string country)
    {
        var path = Path.Combine(_temp.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new MmdbWriter().Insert("192.0.2.0/24", TestGeo.CountryCode(country)).ToArray();
        File.WriteAllBytes(path + ".tmp", bytes);
        File.Move(path + ".tmp", path, overwrite: true);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(Random.Shared.Next(1, 1000)));
        return path;
    }

    private static string? Country(GeoReload reload, int index) =>
        reload.Databases.Databases[index].Lookup([192, 0, 2, 1], out _)?.CountryCode;

    [Fact]
    public void Reload_ConfiguredThenFolder_InOrder_ReusedWhenUnchanged()
    {
        var configured = Write("outside/city.mmdb", "FR");
        Write("policies/_geo/b.mmdb", "DE");
        Write("policies/_geo/a.mmdb", "JP");
        using var catalog = new GeoCatalog([configured], Path.Combine(_temp.Path, "policies"));

        var first = catalog.Reload();
        var second = catalog.Reload();

        Assert.Equal(["city", "a", "b"], first.Databases.Databases.Select(d => d.Name));
        Assert.Equal("FR", Country(first, 0));
        Assert.All(second.Changes, c => Assert.Equal(GeoChangeKind.Unchanged, c.Kind));
        Assert.Same(first.Databases.Databases[0], second.Databases.Databases[0]);
        Assert.Empty(second.Retired);
    }

    [Fact]
    public void Reload_Replaced_NewVersionAndOldRetired()
    {
        var path = Write("city.mmdb", "FR");
        using var catalog = new GeoCatalog([path], null);
        var old = (GeoDatabase)catalog.Reload().Databases.Databases[0];

        Write("city.mmdb", "DE");
        var reload = catalog.Reload();

        Assert.Equal("DE", Country(reload, 0));
        Assert.Equal(GeoChangeKind.Loaded, reload.Changes.Single().Kind);
        Assert.Equal([old], reload.Retired);
        old.Dispose();
    }

    [Fact]
    public void Reload_ReplacedByGarbage_PreviousKeepsServingWithReason()
    {
        var path = Write("city.mmdb", "FR");
        using var catalog = new GeoCatalog([path], null);
        catalog.Reload();

        File.WriteAllBytes(path, [1, 2, 3]);
        var reload = catalog.Reload();

        var change = reload.Changes.Single();
        Assert.Equal(GeoChangeKind.Kept, change.Kind);
        Assert.Contains("is not a readable MaxMind DB", change.Error, StringComparison.Ordinal);
        Assert.Equal("FR", Country(reload, 0));
        Assert.Empty(reload.Retired);
    }

    [Fact]
    public void Reload_BrokenFromTheStart_FailedAndNotServed()
    {
        var path = Path.Combine(_temp.Path, "broken.mmdb");
        File.WriteAllText(path, "not a database");
        using var catalog = new GeoCatalog([path], null);

        var reload = catalog.Reload();

        Assert.Equal(GeoChangeKind.Failed, reload.Changes.Single().Kind);
        Assert.Empty(reload.Databases.Databases);
    }

    [Fact]
    public void Reload_RemovedFromFolder_Removed_ConfiguredMissing_Kept()
    {
        var configured = Write("city.mmdb", "FR");
        var dropped = Write("policies/_geo/extra.mmdb", "DE");
        using var catalog = new GeoCatalog([configured], Path.Combine(_temp.Path, "policies"));
        catalog.Reload();

        File.Delete(dropped);
        File.Delete(configured);
        var reload = catalog.Reload();

        Assert.Equal(GeoChangeKind.Kept, reload.Changes.Single(c => c.Path == configured).Kind);
        Assert.Equal(GeoChangeKind.Removed, reload.Changes.Single(c => c.Path == dropped).Kind);
        Assert.Equal(["city"], reload.Databases.Databases.Select(d => d.Name));
        foreach (var retired in reload.Retired)
        {
            retired.Dispose();
        }
    }
}
