using System.Net;
using System.Numerics;
using MaxMind.Db;
using MaxMind.GeoIP2;
using MaxMind.GeoIP2.Exceptions;
using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;

namespace Scriptable.Engine.Tests.Geo;

/// <summary>
/// The test-database writer read back by MaxMind's own readers (MaxMind.Db, MaxMind.GeoIP2 and, when installed,
/// libmaxminddb's mmdblookup), so a writer bug cannot hide behind a reader of ours.
/// </summary>
public sealed class MmdbWriterTests
{
    public static TheoryData<string> CityTestAddresses => [.. TestGeo.CityTestFacts.Select(f => f.Address)];

    public static TheoryData<int> RecordSizes => [24, 28, 32];

    [Theory]
    [MemberData(nameof(CityTestAddresses))]
    public void CityTestLike_Address_ReaderFindsTheFactsOfCityTest(string address)
    {
        var fact = TestGeo.CityTestFacts.Single(f => f.Address == address);
        foreach (var recordSize in new[] { 24, 28, 32 })
        {
            using var reader = Open(TestGeo.CityTestLike(recordSize));
            var record = reader.Find<Dictionary<string, object>>(IPAddress.Parse(address), out var prefixLength);
            if (fact.Network is null)
            {
                Assert.Null(record);
                continue;
            }

            Assert.NotNull(record);
            Assert.Equal(fact.PrefixLength, prefixLength);
            Assert.Equal(fact.CountryIso, Get(record, "country", "iso_code"));
            Assert.Equal(fact.ContinentCode, Get(record, "continent", "code"));
            Assert.Equal(fact.CityName, Get(record, "city", "names", "en"));
        }
    }

    [Theory]
    [MemberData(nameof(CityTestAddresses))]
    public void CityTestLike_Address_GeoIP2DatabaseReaderCityAgrees(string address)
    {
        var fact = TestGeo.CityTestFacts.Single(f => f.Address == address);
        using var reader = new DatabaseReader(new MemoryStream(TestGeo.CityTestLike().ToArray()));
        if (fact.Network is null)
        {
            Assert.False(reader.TryCity(address, out _));
            Assert.Throws<AddressNotFoundException>(() => reader.City(address));
            return;
        }

        var city = reader.City(address);
        Assert.Equal(fact.CountryIso, city.Country.IsoCode);
        Assert.Equal(fact.ContinentCode, city.Continent.Code);
        Assert.Equal(fact.CityName, city.City.Name);
        Assert.NotNull(city.Location.Latitude);
        Assert.NotNull(city.Location.Longitude);
        Assert.NotNull(city.Location.AccuracyRadius);
        Assert.Equal(fact.PrefixLength, city.Traits.Network?.PrefixLength);
    }

    [Fact]
    public void CityTestLike_London_GeoIP2DatabaseReaderReadsEveryField()
    {
        using var reader = new DatabaseReader(new MemoryStream(TestGeo.CityTestLike().ToArray()));

        var city = reader.City("81.2.69.160");

        Assert.Equal("GB", city.Country.IsoCode);
        Assert.Equal("United Kingdom", city.Country.Name);
        Assert.Equal("EU", city.Continent.Code);
        Assert.Equal("Europe", city.Continent.Name);
        Assert.Equal("London", city.City.Name);
        Assert.Equal(51.5142, city.Location.Latitude);
        Assert.Equal(-0.0931, city.Location.Longitude);
        Assert.Equal(100, city.Location.AccuracyRadius);
        Assert.Equal("ENG", city.MostSpecificSubdivision.IsoCode);
        Assert.Equal("US", city.RegisteredCountry.IsoCode);
        Assert.Equal("GeoIP2-City", reader.Metadata.DatabaseType);
    }

    [Fact]
    public void CityTestLike_Ipv6SanDiego_GeoIP2DatabaseReaderReadsIt()
    {
        using var reader = new DatabaseReader(new MemoryStream(TestGeo.CityTestLike().ToArray()));

        var city = reader.City("2001:480:10::1");

        Assert.Equal("US", city.Country.IsoCode);
        Assert.Equal("NA", city.Continent.Code);
        Assert.Equal("San Diego", city.City.Name);
        Assert.Equal(20, city.Location.AccuracyRadius);
        Assert.Equal(32.7203, city.Location.Latitude);
        Assert.Equal("2001:480:10::/48", city.Traits.Network?.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Insert_SlashTwentyFourHoldingSlashTwentySeven_MoreSpecificWinsInEitherOrder(bool moreSpecificFirst)
    {
        var writer = new MmdbWriter();
        var outer = (Action)(() => writer.Insert("192.0.2.0/24", TestGeo.CountryCode("NL")));
        var inner = (Action)(() => writer.Insert("192.0.2.160/27", TestGeo.CountryCode("SE")));
        if (moreSpecificFirst)
        {
            inner();
            outer();
        }
        else
        {
            outer();
            inner();
        }

        using var reader = Open(writer);

        // The /24 is split around the /27 (last octet 101xxxxx): each address reports the network the tree ended in.
        Assert.Equal(("SE", 27), Lookup(reader, "192.0.2.160"));
        Assert.Equal(("SE", 27), Lookup(reader, "192.0.2.191"));
        Assert.Equal(("NL", 25), Lookup(reader, "192.0.2.1"));
        Assert.Equal(("NL", 27), Lookup(reader, "192.0.2.130"));
        Assert.Equal(("NL", 26), Lookup(reader, "192.0.2.192"));
        Assert.Equal((null, 6), Lookup(reader, "198.51.100.1"));
    }

    [Fact]
    public void Insert_SameNetworkTwice_LastRecordWins()
    {
        var writer = new MmdbWriter()
            .Insert("2001:db8::/32", TestGeo.CountryCode("NL"))
            .Insert("2001:db8::/32", TestGeo.CountryCode("SE"));

        using var reader = Open(writer);

        Assert.Equal(("SE", 32), Lookup(reader, "2001:db8::1"));
    }

    [Fact]
    public void Insert_Ipv6NetworksNested_MoreSpecificWins()
    {
        var writer = new MmdbWriter()
            .Insert("2001:db8:1::/48", TestGeo.CountryCode("SE"))
            .Insert("2001:db8::/32", TestGeo.CountryCode("NL"));

        using var reader = Open(writer);

        Assert.Equal(("SE", 48), Lookup(reader, "2001:db8:1::1"));
        Assert.Equal(("NL", 48), Lookup(reader, "2001:db8::1"));
        Assert.Equal(("NL", 33), Lookup(reader, "2001:db8:8000::1"));
    }

    [Fact]
    public void Lookup_AddressOutsideEveryNetwork_NotFoundAtTheDepthTheSearchEnded()
    {
        var writer = new MmdbWriter()
            .Insert("192.0.2.0/24", TestGeo.CountryCode("NL"))
            .Insert("2001:db8::/32", TestGeo.CountryCode("SE"));

        using var reader = Open(writer);

        // 198 = 11000110 leaves 192 = 11000000 at its sixth bit.
        Assert.Equal((null, 6), Lookup(reader, "198.51.100.1"));
        // 1.x leaves 192.x at the first bit.
        Assert.Equal((null, 1), Lookup(reader, "1.128.0.1"));
        // 2001:db9:: leaves 2001:db8::/32 at its 32nd bit.
        Assert.Equal((null, 32), Lookup(reader, "2001:db9::1"));
        // 8000:: leaves everything at the first bit; 4000:: leaves 2001:: (0010...) at the second.
        Assert.Equal((null, 1), Lookup(reader, "8000::1"));
        Assert.Equal((null, 2), Lookup(reader, "4000::1"));
    }

    [Fact]
    public void Write_NoNetworks_EveryAddressIsNotFound()
    {
        var writer = new MmdbWriter();
        using var reader = Open(writer);

        Assert.Equal((null, 1), Lookup(reader, "2001:db8::1"));
        Assert.Null(reader.Find<Dictionary<string, object>>(IPAddress.Parse("192.0.2.1")));
        Assert.Equal(1, writer.NodeCount);
    }

    [Theory]
    [InlineData(6, "::/0", "2001:db8::1", 1)]
    [InlineData(6, "0.0.0.0/0", "192.0.2.1", 0)]
    [InlineData(4, "0.0.0.0/0", "192.0.2.1", 1)]
    public void Insert_WholeAddressSpace_EveryAddressIsFound(int ipVersion, string network, string address, int prefixLength)
    {
        using var reader = Open(new MmdbWriter(ipVersion).Insert(network, TestGeo.CountryCode("NL")));

        Assert.Equal(("NL", prefixLength), Lookup(reader, address));
    }

    [Fact]
    public void Insert_Ipv4Network_LivesInTheIpv4CompatibleSubtree()
    {
        using var reader = Open(new MmdbWriter().Insert("192.0.2.0/24", TestGeo.CountryCode("NL")));

        Assert.Equal(("NL", 24), Lookup(reader, "192.0.2.1"));
        Assert.Equal(("NL", 120), Lookup(reader, "::192.0.2.1"));
        // No ::ffff:0:0/96 or 2002::/16 aliases: IPv4-mapped addresses are not found.
        Assert.Null(Lookup(reader, "::ffff:192.0.2.1").Country);
    }

    [Theory]
    [MemberData(nameof(RecordSizes))]
    public void Write_Ipv4OnlyDatabase_ReadersFindItsNetworks(int recordSize)
    {
        var writer = new MmdbWriter(ipVersion: 4, recordSize: recordSize)
            .Insert("192.0.2.0/24", TestGeo.CountryCode("NL"))
            .Insert("192.0.2.128/25", TestGeo.CountryCode("SE"))
            .Insert("203.0.113.7", TestGeo.CountryCode("FR"));

        using var reader = Open(writer);

        Assert.Equal(4, reader.Metadata.IPVersion);
        Assert.Equal(("NL", 25), Lookup(reader, "192.0.2.1"));
        Assert.Equal(("SE", 25), Lookup(reader, "192.0.2.200"));
        Assert.Equal(("FR", 32), Lookup(reader, "203.0.113.7"));
        Assert.Equal((null, 32), Lookup(reader, "203.0.113.6"));
        Assert.Equal((null, 1), Lookup(reader, "10.0.0.1"));
    }

    [Theory]
    [MemberData(nameof(RecordSizes))]
    public void Write_ManyNetworks_EveryOneReadsBack(int recordSize)
    {
        // Enough nodes and data that record values need more than one byte and pointers more than 11 bits.
        var writer = new MmdbWriter(recordSize: recordSize);
        for (var i = 0; i < 1500; i++)
        {
            var city = TestGeo.City("NL", "EU", $"City {i}", i / 100.0, -i / 100.0, i % 1000);
            // First written ever further into the data section, then pointed to: 11- and 19-bit pointers.
            city["group"] = $"Group {i / 100}";
            writer.Insert($"2001:db8:{i:x}::/48", city);
            writer.Insert($"10.{i / 256}.{i % 256}.0/24", TestGeo.Asn((uint)i, $"Network {i % 7}"));
        }

        using var reader = Open(writer);

        Assert.True(writer.NodeCount > 256);
        for (var i = 0; i < 1500; i += 7)
        {
            var city = reader.Find<Dictionary<string, object>>(IPAddress.Parse($"2001:db8:{i:x}::1"), out var cityPrefix);
            Assert.Equal($"City {i}", Get(city!, "city", "names", "en"));
            Assert.Equal($"Group {i / 100}", city!["group"]);
            Assert.Equal(48, cityPrefix);
            var asn = reader.Find<Dictionary<string, object>>(IPAddress.Parse($"10.{i / 256}.{i % 256}.1"), out var asnPrefix);
            Assert.Equal((long)i, asn!["autonomous_system_number"]);
            Assert.Equal($"Network {i % 7}", asn["autonomous_system_organization"]);
            Assert.Equal(24, asnPrefix);
        }
    }

    [Theory]
    [InlineData(28)]
    [InlineData(32)]
    public void Write_RecordValuesAboveTwentyFourBits_ReadBack(int recordSize)
    {
        // 1,100 distinct 16 kB records push the last data pointers past 2^24: a 28-bit record needs its middle nibble.
        var writer = LargeDatabase(recordSize);

        using var reader = Open(writer);

        foreach (var i in new[] { 0, 1, 1023, 1098, 1099 })
        {
            var record = reader.Find<Dictionary<string, object>>(IPAddress.Parse($"10.{i / 256}.{i % 256}.1"), out var prefixLength);
            var blob = (byte[])record!["blob"];
            Assert.Equal((16_000, (byte)(i >> 8), (byte)i), (blob.Length, blob[0], blob[1]));
            Assert.Equal(24, prefixLength);
        }

        Assert.Equal("Linköping", Get(reader.Find<Dictionary<string, object>>(IPAddress.Parse("2001:db8::1"))!, "city", "names", "en"));
    }

    [Fact]
    public void Write_RecordValuesAboveTwentyFourBitsInTwentyFourBitRecords_ThrowsNamingTheFix()
    {
        var writer = LargeDatabase(24);

        var error = Assert.Throws<InvalidOperationException>(() => writer.ToArray());

        Assert.Contains("larger recordSize", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Write_EveryDataType_ReadsBackAsItsMaxMindType(bool usePointers)
    {
        var record = new Dictionary<string, object>
        {
            ["string"] = "Linköping",
            ["empty_string"] = "",
            ["long_string_29"] = new string('a', 29),
            ["long_string_285"] = new string('b', 285),
            ["long_string_65821"] = new string('c', 65_821),
            ["true"] = true,
            ["false"] = false,
            ["double"] = -0.0931,
            ["float"] = 1.5f,
            ["int32_negative"] = -1,
            ["int32_min"] = int.MinValue,
            ["int32_max"] = int.MaxValue,
            ["int32_zero"] = 0,
            ["int32_small"] = 300,
            ["uint16"] = (ushort)65_535,
            ["uint16_zero"] = (ushort)0,
            ["uint32"] = uint.MaxValue,
            ["uint64"] = ulong.MaxValue,
            ["uint64_from_long"] = 1L << 40,
            ["uint128"] = (BigInteger.One << 128) - 1,
            ["uint128_small"] = new BigInteger(1000),
            ["uint128_zero"] = BigInteger.Zero,
            ["bytes"] = new byte[] { 0, 1, 2, 255 },
            ["empty_bytes"] = System.Array.Empty<byte>(),
            ["map"] = new Dictionary<string, object> { ["en"] = "London", ["nested"] = new Dictionary<string, object> { ["deep"] = 1 } },
            ["empty_map"] = new Dictionary<string, object>(),
            ["read_only_map"] = (IReadOnlyDictionary<string, object>)new System.Collections.ObjectModel.ReadOnlyDictionary<string, object>(new Dictionary<string, object> { ["k"] = "v" }),
            ["array"] = new object[] { "a", 1, true, new Dictionary<string, object> { ["iso_code"] = "ENG" } },
            ["list"] = new List<object> { "x", "x", "x" },
            ["empty_array"] = System.Array.Empty<object>(),
        };
        using var reader = Open(new MmdbWriter { UsePointers = usePointers }.Insert("192.0.2.0/24", record));

        var read = reader.Find<Dictionary<string, object>>(IPAddress.Parse("192.0.2.1"))!;

        Assert.Equal("Linköping", read["string"]);
        Assert.Equal("", read["empty_string"]);
        Assert.Equal(new string('a', 29), read["long_string_29"]);
        Assert.Equal(new string('b', 285), read["long_string_285"]);
        Assert.Equal(new string('c', 65_821), read["long_string_65821"]);
        Assert.Equal(true, read["true"]);
        Assert.Equal(false, read["false"]);
        Assert.Equal(-0.0931, read["double"]);
        Assert.Equal(1.5f, read["float"]);
        Assert.Equal(-1, read["int32_negative"]);
        Assert.Equal(int.MinValue, read["int32_min"]);
        Assert.Equal(int.MaxValue, read["int32_max"]);
        Assert.Equal(0, read["int32_zero"]);
        Assert.Equal(300, read["int32_small"]);
        // MaxMind.Db hands uint16 back as int, uint32 as long, uint64 as ulong and uint128 as BigInteger.
        Assert.Equal(65_535, read["uint16"]);
        Assert.Equal(0, read["uint16_zero"]);
        Assert.Equal((long)uint.MaxValue, read["uint32"]);
        Assert.Equal(ulong.MaxValue, read["uint64"]);
        Assert.Equal(1UL << 40, read["uint64_from_long"]);
        Assert.Equal((BigInteger.One << 128) - 1, read["uint128"]);
        Assert.Equal(new BigInteger(1000), read["uint128_small"]);
        Assert.Equal(BigInteger.Zero, read["uint128_zero"]);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, read["bytes"]);
        Assert.Equal(System.Array.Empty<byte>(), read["empty_bytes"]);
        Assert.Equal("London", Get(read, "map", "en"));
        Assert.Equal(1, ((Dictionary<string, object>)((Dictionary<string, object>)read["map"])["nested"])["deep"]);
        Assert.Empty((Dictionary<string, object>)read["empty_map"]);
        Assert.Equal("v", Get(read, "read_only_map", "k"));
        var array = (List<object>)read["array"];
        Assert.Equal(new object[] { "a", 1, true }, array.Take(3));
        Assert.Equal("ENG", ((Dictionary<string, object>)array[3])["iso_code"]);
        Assert.Equal(new object[] { "x", "x", "x" }, (List<object>)read["list"]);
        Assert.Empty((List<object>)read["empty_array"]);
        Assert.Equal(record.Count, read.Count);
    }

    [Fact]
    public void Write_EqualRecordsOnTwoNetworks_TreePointsBothAtOneDataOffset()
    {
        // Built separately and in another key order: equal content is what counts.
        var writer = new MmdbWriter()
            .Insert("192.0.2.0/24", TestGeo.City("GB", "EU", "London", 51.5142, -0.0931, 100))
            .Insert("198.51.100.0/24", TestGeo.City("SE", "EU", "Linköping"))
            .Insert("2001:db8::/32", new Dictionary<string, object>(TestGeo.City("GB", "EU", "London", 51.5142, -0.0931, 100).Reverse()));
        var bytes = writer.ToArray();
        using var reader = Open(bytes);

        var london4 = TreeRecord(bytes, writer, "192.0.2.1");
        var linkoping = TreeRecord(bytes, writer, "198.51.100.1");
        var london6 = TreeRecord(bytes, writer, "2001:db8::1");

        Assert.True(london4 >= writer.NodeCount + 16);
        Assert.Equal(london4, london6);
        Assert.NotEqual(london4, linkoping);
        Assert.Equal("London", Get(reader.Find<Dictionary<string, object>>(IPAddress.Parse("2001:db8::1"))!, "city", "names", "en"));
    }

    [Fact]
    public void Write_RepeatedNestedValues_PointersShrinkTheFileAndReadBackTheSame()
    {
        var withPointers = TestGeo.CityTestLike().ToArray();
        var writer = TestGeo.CityTestLike();
        writer.UsePointers = false;
        var without = writer.ToArray();
        using var a = Open(withPointers);
        using var b = Open(without);

        Assert.True(withPointers.Length < without.Length, $"{withPointers.Length} bytes with pointers, {without.Length} without");
        foreach (var fact in TestGeo.CityTestFacts)
        {
            var address = IPAddress.Parse(fact.Address);
            var left = a.Find<Dictionary<string, object>>(address, out var leftPrefix);
            var right = b.Find<Dictionary<string, object>>(address, out var rightPrefix);
            Assert.Equal(leftPrefix, rightPrefix);
            Assert.Equal(left is null ? null : Get(left, "subdivisions"), right is null ? null : Get(right, "subdivisions"));
            Assert.Equal(left?["location"], right?["location"]);
        }
    }

    [Fact]
    public void Write_Metadata_HasEveryRequiredField()
    {
        var writer = new MmdbWriter(ipVersion: 6, recordSize: 32, databaseType: "GeoIP2-Country", description: "Test countries")
            .Insert("192.0.2.0/24", TestGeo.Country("NL", "EU"));
        writer.Description["de"] = "Testländer";
        writer.Languages.Add("de");
        using var reader = Open(writer);

        var metadata = reader.Metadata;

        Assert.Equal(2, metadata.BinaryFormatMajorVersion);
        Assert.Equal(0, metadata.BinaryFormatMinorVersion);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds((long)MmdbWriter.DefaultBuildEpoch).UtcDateTime, metadata.BuildDate);
        Assert.Equal("GeoIP2-Country", metadata.DatabaseType);
        Assert.Equal("Test countries", metadata.Description["en"]);
        Assert.Equal("Testländer", metadata.Description["de"]);
        Assert.Equal(6, metadata.IPVersion);
        Assert.Equal(["en", "de"], metadata.Languages);
        // MaxMind.Db keeps record_size and node_count internal; mmdblookup --verbose checks them below.
        // 96 zero bits to ::/96, then 192.0.2 (24 bits): one node per bit above the /24's record.
        Assert.Equal(96 + 24, writer.NodeCount);
    }

    [Fact]
    public void Write_BuildEpochSet_IsWritten()
    {
        var writer = new MmdbWriter { BuildEpoch = 1_000_000_000 };

        using var reader = Open(writer);

        Assert.Equal(new DateTime(2001, 9, 9, 1, 46, 40, DateTimeKind.Utc), reader.Metadata.BuildDate);
    }

    [Fact]
    public void Write_SameInsertsTwice_SameBytesInMemoryAndOnDisk()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "city.mmdb");
        TestGeo.CityTestLike().Write(path);

        Assert.Equal(TestGeo.CityTestLike().ToArray(), TestGeo.CityTestLike().ToArray());
        Assert.Equal(TestGeo.CityTestLike().ToArray(), File.ReadAllBytes(path));
        using var reader = new Reader(path);
        Assert.Equal("GeoIP2-City", reader.Metadata.DatabaseType);
    }

    [Theory]
    [InlineData(6, "192.0.2.1/24", "did you mean '192.0.2.0/24'")]
    [InlineData(6, "2001:db8::1/32", "did you mean '2001:db8::/32'")]
    [InlineData(6, "192.0.2.0/33", "bad prefix length: expected 0 to 32")]
    [InlineData(6, "2001:db8::/129", "bad prefix length: expected 0 to 128")]
    [InlineData(6, "192.0.2.0/-1", "bad prefix length")]
    [InlineData(6, "192.0.2.0/", "bad prefix length")]
    [InlineData(6, "example.org/24", "is not a network")]
    [InlineData(6, "fe80::1%2/128", "is not a network")]
    [InlineData(4, "2001:db8::/32", "an IPv4 database (ipVersion 4) holds only IPv4 networks")]
    public void Insert_BadNetwork_ThrowsNamingTheProblem(int ipVersion, string cidr, string message)
    {
        var writer = new MmdbWriter(ipVersion);

        var error = Assert.Throws<ArgumentException>(() => writer.Insert(cidr, TestGeo.CountryCode("NL")));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains(cidr, error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<object, string> BadRecords => new()
    {
        { new Dictionary<string, object> { ["asn"] = -5L }, "'asn' is the negative long -5" },
        { new Dictionary<string, object> { ["location"] = new Dictionary<string, object?> { ["latitude"] = null } }, "'location.latitude' is null" },
        { new Dictionary<string, object> { ["list"] = new object?[] { "a", null } }, "'list[1]' is null" },
        { new Dictionary<string, object> { ["price"] = 1.5m }, "'price' is a Decimal, which has no MaxMind DB type" },
        { new Dictionary<string, object> { ["small"] = (short)1 }, "'small' is a Int16" },
        { new Dictionary<int, object> { [1] = "one" }, "map keys must be strings" },
        { new Dictionary<string, object> { ["big"] = BigInteger.One << 128 }, "outside uint128" },
        { new Dictionary<string, object> { ["negative"] = BigInteger.MinusOne }, "outside uint128" },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public void Insert_BadRecord_ThrowsNamingThePath(object record, string message)
    {
        var writer = new MmdbWriter();

        var error = Assert.Throws<ArgumentException>(() => writer.Insert("192.0.2.0/24", record));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("The record for '192.0.2.0/24' cannot be written", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, writer.Count);
    }

    [Theory]
    [InlineData(5, 28, "ipVersion")]
    [InlineData(6, 16, "recordSize")]
    [InlineData(6, 64, "recordSize")]
    public void Constructor_BadVersionOrRecordSize_Throws(int ipVersion, int recordSize, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MmdbWriter(ipVersion, recordSize));

        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void TestGeo_Builders_HaveTheKeysOfRealDatabases()
    {
        var writer = new MmdbWriter(ipVersion: 4, databaseType: "GeoLite2-ASN")
            .Insert("192.0.2.0/24", TestGeo.Asn(64_496, "Example Networks"))
            .Insert("198.51.100.0/24", TestGeo.Asn(64_497))
            .Insert("203.0.113.0/24", TestGeo.CountryCode("US"));
        using var reader = Open(writer);

        var asn = reader.Find<Dictionary<string, object>>(IPAddress.Parse("192.0.2.1"))!;
        Assert.Equal(64_496L, asn["autonomous_system_number"]);
        Assert.Equal("Example Networks", asn["autonomous_system_organization"]);
        Assert.Equal(["autonomous_system_number"], reader.Find<Dictionary<string, object>>(IPAddress.Parse("198.51.100.1"))!.Keys);
        Assert.Equal("US", reader.Find<Dictionary<string, object>>(IPAddress.Parse("203.0.113.1"))!["country_code"]);

        var city = TestGeo.City("GB", "EU", "London", 51.5142, -0.0931, 100, "ENG");
        Assert.Equal(["city", "continent", "country", "location", "subdivisions"], city.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["continent", "country"], TestGeo.Country("XX", "EU").Keys.Order(StringComparer.Ordinal));
        Assert.False(((Dictionary<string, object>)TestGeo.Country("XX", "EU")["country"]).ContainsKey("names"));
    }

    [Fact]
    public void TestGeo_AsnDatabase_GeoIP2DatabaseReaderReadsIt()
    {
        var writer = new MmdbWriter(databaseType: "GeoLite2-ASN").Insert("1.128.0.0/11", TestGeo.Asn(1221, "Telstra Pty Ltd"));
        using var reader = new DatabaseReader(new MemoryStream(writer.ToArray()));

        var asn = reader.Asn("1.128.0.1");

        Assert.Equal(1221L, asn.AutonomousSystemNumber);
        Assert.Equal("Telstra Pty Ltd", asn.AutonomousSystemOrganization);
    }

    [ToolFact("mmdblookup", "mmdb-bin")]
    public async Task CityTestLike_MmdblookupAgreesOnEveryAddress()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "city.mmdb");
        TestGeo.CityTestLike(recordSize: 24).Write(path);

        foreach (var fact in TestGeo.CityTestFacts)
        {
            var (exitCode, output, error) = await ExternalTool.RunAsync("mmdblookup", ["--file", path, "--ip", fact.Address, "country", "iso_code"]);
            if (fact.Network is null)
            {
                Assert.NotEqual(0, exitCode);
                Assert.Contains($"Could not find an entry for this IP address ({fact.Address})", error, StringComparison.Ordinal);
                continue;
            }

            Assert.True(exitCode == 0, $"mmdblookup {fact.Address}: {error}");

            Assert.Equal($"\"{fact.CountryIso}\" <utf8_string>", output.Trim());
            var continent = await ExternalTool.RunAsync("mmdblookup", ["--file", path, "--ip", fact.Address, "continent", "code"]);
            Assert.Equal($"\"{fact.ContinentCode}\" <utf8_string>", continent.Output.Trim());
            var city = await ExternalTool.RunAsync("mmdblookup", ["--file", path, "--ip", fact.Address, "city", "names", "en"]);
            Assert.Equal(fact.CityName is null ? "" : $"\"{fact.CityName}\" <utf8_string>", city.Output.Trim());
        }

        var radius = await ExternalTool.RunAsync("mmdblookup", ["--file", path, "--ip", "81.2.69.160", "location", "accuracy_radius"]);
        Assert.Equal("100 <uint16>", radius.Output.Trim());
    }

    [ToolFact("mmdblookup", "mmdb-bin")]
    public async Task EveryDataType_MmdblookupPrintsTheMaxMindType()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "types.mmdb");
        new MmdbWriter(ipVersion: 4, recordSize: 28)
            .Insert("192.0.2.0/24", new Dictionary<string, object>
            {
                ["i"] = -7,
                ["u16"] = (ushort)7,
                ["u32"] = 7u,
                ["u64"] = 7UL,
                ["u128"] = new BigInteger(7),
                ["d"] = 0.5,
                ["f"] = 0.5f,
                ["b"] = true,
                ["a"] = new object[] { "x" },
                ["m"] = new Dictionary<string, object> { ["k"] = "v" },
            })
            .Write(path);

        var (exitCode, output, error) = await ExternalTool.RunAsync("mmdblookup", ["--file", path, "--ip", "192.0.2.1"]);

        Assert.True(exitCode == 0, error);
        Assert.Contains("-7 <int32>", output, StringComparison.Ordinal);
        Assert.Contains("7 <uint16>", output, StringComparison.Ordinal);
        Assert.Contains("7 <uint32>", output, StringComparison.Ordinal);
        Assert.Contains("7 <uint64>", output, StringComparison.Ordinal);
        Assert.Contains("0x00000000000000000000000000000007 <uint128>", output, StringComparison.Ordinal);
        Assert.Contains("0.500000 <double>", output, StringComparison.Ordinal);
        Assert.Contains("0.500000 <float>", output, StringComparison.Ordinal);
        Assert.Contains("true <boolean>", output, StringComparison.Ordinal);
        Assert.Contains("\"x\" <utf8_string>", output, StringComparison.Ordinal);
        Assert.Contains("\"v\" <utf8_string>", output, StringComparison.Ordinal);
    }

    [ToolFact("mmdblookup", "mmdb-bin")]
    public async Task Metadata_MmdblookupVerbosePrintsIt()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "country.mmdb");
        var writer = new MmdbWriter(recordSize: 32, databaseType: "GeoIP2-Country", description: "Test countries")
            .Insert("192.0.2.0/24", TestGeo.Country("NL", "EU"));
        writer.Write(path);

        var (exitCode, output, error) = await ExternalTool.RunAsync("mmdblookup", ["--file", path, "--ip", "192.0.2.1", "--verbose"]);

        Assert.True(exitCode == 0, error);
        Assert.Matches(@"Node count:\s+120\n", output);
        Assert.Matches(@"Record size:\s+32 bits", output);
        Assert.Matches(@"IP version:\s+IPv6", output);
        Assert.Matches(@"Binary format:\s+2\.0", output);
        Assert.Matches(@"Build epoch:\s+1704067200 ", output);
        Assert.Matches(@"Type:\s+GeoIP2-Country", output);
        Assert.Matches(@"Languages:\s+en", output);
        Assert.Matches(@"en:\s+Test countries", output);
    }

    [ToolFact("mmdblookup", "mmdb-bin")]
    public async Task RecordValuesAboveTwentyFourBits_MmdblookupReadsThem()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "large.mmdb");
        LargeDatabase(28).Write(path);

        var city = await ExternalTool.RunAsync("mmdblookup", ["--file", path, "--ip", "2001:db8::1", "country", "names", "en"]);
        var blob = await ExternalTool.RunAsync("mmdblookup", ["--file", path, "--ip", "10.4.75.1", "blob"]);

        Assert.Equal("\"Sweden\" <utf8_string>", city.Output.Trim());
        // 1099 = 0x044B: the first two bytes of the last blob.
        Assert.StartsWith("044B0000", blob.Output.Trim(), StringComparison.Ordinal);
    }

    private static MmdbWriter LargeDatabase(int recordSize)
    {
        var writer = new MmdbWriter(recordSize: recordSize);
        for (var i = 0; i < 1100; i++)
        {
            var blob = new byte[16_000];
            blob[0] = (byte)(i >> 8);
            blob[1] = (byte)i;
            writer.Insert($"10.{i / 256}.{i % 256}.0/24", new Dictionary<string, object> { ["blob"] = blob });
        }

        return writer.Insert("2001:db8::/32", TestGeo.City("SE", "EU", "Linköping"));
    }

    private static Reader Open(MmdbWriter writer) => Open(writer.ToArray());

    private static Reader Open(byte[] bytes) => new(new MemoryStream(bytes));

    private static (string? Country, int PrefixLength) Lookup(Reader reader, string address)
    {
        var record = reader.Find<Dictionary<string, object>>(IPAddress.Parse(address), out var prefixLength);
        return (record?["country_code"] as string, prefixLength);
    }

    private static object? Get(Dictionary<string, object> record, params string[] path)
    {
        object? value = record;
        foreach (var key in path)
        {
            value = value is Dictionary<string, object> map && map.TryGetValue(key, out var next) ? next : null;
        }

        return value is List<object> list ? string.Join(",", list.Select(i => Get((Dictionary<string, object>)i, "iso_code"))) : value;
    }

    /// <summary>Walks the search tree by hand and returns the raw record the walk ended on (a data pointer for a found address).</summary>
    private static long TreeRecord(byte[] database, MmdbWriter writer, string address)
    {
        var nodeCount = writer.NodeCount;
        var recordSize = writer.RecordSize;
        var ip = IPAddress.Parse(address);
        var bytes = ip.GetAddressBytes();
        if (bytes.Length == 4 && writer.IpVersion == 6)
        {
            bytes = [.. new byte[12], .. bytes];
        }

        long node = 0;
        for (var bit = 0; bit < bytes.Length * 8 && node < nodeCount; bit++)
        {
            var right = (bytes[bit / 8] >> (7 - (bit % 8)) & 1) == 1;
            var at = (int)(node * recordSize / 4);
            node = recordSize switch
            {
                24 => right ? Read(database, at + 3, 3) : Read(database, at, 3),
                28 => right ? ((database[at + 3] & 0x0FL) << 24) | Read(database, at + 4, 3) : ((database[at + 3] & 0xF0L) << 20) | Read(database, at, 3),
                _ => right ? Read(database, at + 4, 4) : Read(database, at, 4),
            };
        }

        return node;

        static long Read(byte[] database, int at, int count)
        {
            long value = 0;
            for (var i = 0; i < count; i++)
            {
                value = (value << 8) | database[at + i];
            }

            return value;
        }
    }
}
