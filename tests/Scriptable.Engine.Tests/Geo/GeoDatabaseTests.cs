using System.Net;
using MaxMind.Db;
using Scriptable.Engine.Geo;
using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;

namespace Scriptable.Engine.Tests.Geo;

/// <summary>Lookups agree with MaxMind's own reader (the oracle) on generated databases of every layout.</summary>
public sealed class GeoDatabaseTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string WriteDatabase(MmdbWriter writer, string name = "test.mmdb")
    {
        var path = Path.Combine(_temp.Path, name);
        writer.Write(path);
        return path;
    }

    private static byte[] Bytes(string address)
    {
        var ip = IPAddress.Parse(address);
        return ip.GetAddressBytes();
    }

    [Theory]
    [InlineData(24)]
    [InlineData(28)]
    [InlineData(32)]
    public void Lookup_CityTestFacts_MatchTheTable(int recordSize)
    {
        using var database = GeoDatabase.Open(WriteDatabase(TestGeo.CityTestLike(recordSize)));

        foreach (var fact in TestGeo.CityTestFacts)
        {
            var record = database.Lookup(Bytes(fact.Address), out var prefix);
            Assert.Equal(fact.CountryIso, record?.CountryCode);
            Assert.Equal(fact.ContinentCode, record?.ContinentCode);
            Assert.Equal(fact.CityName, record?.City);
            if (fact.PrefixLength is { } expected)
            {
                Assert.Equal(expected, prefix);
            }
        }
    }

    [Theory]
    [InlineData(6, 24)]
    [InlineData(6, 28)]
    [InlineData(6, 32)]
    [InlineData(4, 28)]
    public void Lookup_RandomAddresses_SameAsMaxMindReader(int ipVersion, int recordSize)
    {
        var random = new Random(ipVersion * 100 + recordSize);
        var writer = new MmdbWriter(ipVersion, recordSize);
        var countries = new[] { "FR", "DE", "US", "JP", "BR", "AU", "ZA" };
        for (var i = 0; i < 400; i++)
        {
            var prefix = random.Next(8, 31);
            var network = new IPNetwork(new IPAddress((uint)random.Next()), prefix).BaseAddress;
            writer.Insert($"{Masked(network, prefix)}/{prefix}", TestGeo.CountryCode(countries[random.Next(countries.Length)]));
            if (ipVersion == 6)
            {
                var v6 = new byte[16];
                random.NextBytes(v6);
                var p6 = random.Next(16, 64);
                writer.Insert($"{Masked(new IPAddress(v6), p6)}/{p6}", TestGeo.CountryCode(countries[random.Next(countries.Length)]));
            }
        }

        var path = WriteDatabase(writer);
        using var database = GeoDatabase.Open(path);
        using var oracle = new Reader(path);
        for (var i = 0; i < 3000; i++)
        {
            var bytes = new byte[ipVersion == 6 && i % 2 == 1 ? 16 : 4];
            random.NextBytes(bytes);
            var expected = oracle.Find<Dictionary<string, object>>(new IPAddress(bytes), out var expectedPrefix);
            var record = database.Lookup(bytes, out var prefix);
            Assert.Equal(expected?["country_code"], record?.CountryCode);
            Assert.Equal(expectedPrefix, prefix);
        }
    }

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit >> 3] &= (byte)~(0x80 >> (bit & 7));
        }

        return new IPAddress(bytes);
    }

    [Fact]
    public void Lookup_SharedRecords_DecodedOnceAndAllocationFree()
    {
        var writer = new MmdbWriter();
        for (var i = 0; i < 200; i++)
        {
            writer.Insert($"10.{i}.0.0/16", TestGeo.CountryCode(i % 2 == 0 ? "FR" : "DE"));
        }

        using var database = GeoDatabase.Open(WriteDatabase(writer));
        var address = new byte[] { 10, 0, 1, 2 };
        for (var i = 0; i < 200; i++)
        {
            address[1] = (byte)i;
            database.Lookup(address, out _);
        }

        Assert.Equal(2, database.CachedRecords);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            address[1] = (byte)(i % 200);
            database.Lookup(address, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Lookup_Ipv6InIpv4Database_NotFoundPrefixZero()
    {
        using var database = GeoDatabase.Open(WriteDatabase(new MmdbWriter(ipVersion: 4).Insert("192.0.2.0/24", TestGeo.CountryCode("FR"))));

        Assert.Null(database.Lookup(Bytes("2001:db8::1"), out var prefix));
        Assert.Equal(0, prefix);
        Assert.Equal("FR", database.Lookup(Bytes("192.0.2.7"), out prefix)?.CountryCode);
        Assert.Equal(24, prefix);
    }

    [Fact]
    public void Record_Schemas_FieldsAndContinentFromCountry()
    {
        var writer = new MmdbWriter()
            .Insert("192.0.2.0/24", TestGeo.City("GB", "EU", "London", 51.5142, -0.0931, 10, "ENG"))
            .Insert("198.51.100.0/24", TestGeo.CountryCode("JP"))
            .Insert("203.0.113.0/24", TestGeo.Asn(64500, "Example Networks"));
        using var database = GeoDatabase.Open(WriteDatabase(writer));

        var city = database.Lookup(Bytes("192.0.2.1"), out _)!;
        Assert.Equal(("GB", "EU", "London", "ENG", 10), (city.CountryCode, city.ContinentCode, city.City, city.Subdivision, city.AccuracyRadius));
        Assert.Equal(51.5142, city.Latitude);
        Assert.Equal("London", city.Path("city/names/en"));
        Assert.Equal("JP", database.Lookup(Bytes("198.51.100.1"), out _)!.CountryCode);
        Assert.Equal("AS", database.Lookup(Bytes("198.51.100.1"), out _)!.ContinentCode);
        var asn = database.Lookup(Bytes("203.0.113.1"), out _)!;
        Assert.Equal((64500L, "Example Networks"), (asn.Asn!.Value, asn.AsnOrganization!));
        Assert.Null(asn.CountryCode);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("truncated")]
    [InlineData("garbage")]
    [InlineData("tree-only")]
    public void Open_NotAnMmdb_ClearError(string kind)
    {
        var good = TestGeo.CityTestLike().ToArray();
        var bytes = kind switch
        {
            "empty" => [],
            "truncated" => good[..(good.Length / 2)],
            "garbage" => [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))],
            _ => good[..200],
        };
        var path = Path.Combine(_temp.Path, kind + ".mmdb");
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => GeoDatabase.Open(path));

        Assert.StartsWith($"'{path}' is not a readable MaxMind DB: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FileReplacedInPlaceAfterOpen_LookupsUnaffected()
    {
        var path = WriteDatabase(new MmdbWriter().Insert("192.0.2.0/24", TestGeo.CountryCode("FR")));
        using var database = GeoDatabase.Open(path);

        // An operator overwrites the file in place (same inode), as cp does.
        File.WriteAllBytes(path, new byte[10]);

        Assert.Equal("FR", database.Lookup(Bytes("192.0.2.1"), out _)?.CountryCode);
    }
}
