using Xunit;

namespace Scriptable.TestCommon;

/// <summary>
/// MaxMind's test databases in <c>../shared/geo/</c> beside the repository: present in this workplace and in
/// CI, absent on a user's machine. Tests that read them add coverage and are skipped, saying why, when the
/// folder is absent; every behaviour they check is also checked with generated databases.
/// </summary>
public static class SharedGeo
{
    /// <summary>The folder, whether or not it exists.</summary>
    public static string Folder { get; } = Path.GetFullPath(Path.Combine(RepositoryPaths.Root, "..", "shared", "geo"));

    /// <summary>GeoIP2-City-Test.mmdb, the database every peer in ../shared/bench uses.</summary>
    public static string City { get; } = Path.Combine(Folder, "GeoIP2-City-Test.mmdb");

    /// <summary>GeoLite2-ASN-Test.mmdb.</summary>
    public static string Asn { get; } = Path.Combine(Folder, "GeoLite2-ASN-Test.mmdb");

    /// <summary>GeoIP2-Country-Test.mmdb.</summary>
    public static string Country { get; } = Path.Combine(Folder, "GeoIP2-Country-Test.mmdb");

    /// <summary>True if the databases are there.</summary>
    public static bool Available { get; } = File.Exists(City) && File.Exists(Asn) && File.Exists(Country);

    /// <summary>The reason tests give when skipped.</summary>
    public const string SkipReason = "../shared/geo/ (MaxMind's test databases) is not beside the repository; the same behaviour is covered with generated databases";
}

/// <summary>A fact that needs <see cref="SharedGeo"/>: skipped, with the reason, when it is absent.</summary>
public sealed class SharedGeoFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the databases are absent.</summary>
    public SharedGeoFactAttribute()
    {
        if (!SharedGeo.Available)
        {
            Skip = SharedGeo.SkipReason;
        }
    }
}

/// <summary>A theory that needs <see cref="SharedGeo"/>: skipped, with the reason, when it is absent.</summary>
public sealed class SharedGeoTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the databases are absent.</summary>
    public SharedGeoTheoryAttribute()
    {
        if (!SharedGeo.Available)
        {
            Skip = SharedGeo.SkipReason;
        }
    }
}
