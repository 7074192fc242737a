namespace Scriptable.Engine.Geo;

/// <summary>
/// The geo databases a snapshot serves, in the order policies consult them (configured files first, then
/// the policies folder's <c>_geo/*.mmdb</c> by name). Immutable; a reload publishes a new set.
/// </summary>
public sealed class GeoDatabaseSet
{
    /// <summary>At most this many databases are consulted per query.</summary>
    public const int MaxDatabases = 8;

    /// <summary>Creates a set.</summary>
    public GeoDatabaseSet(IReadOnlyList<GeoSource> databases)
    {
        if (databases.Count > MaxDatabases)
        {
            throw new ArgumentException($"At most {MaxDatabases} geo databases.", nameof(databases));
        }

        Databases = databases;
    }

    /// <summary>No database: every lookup is unknown.</summary>
    public static GeoDatabaseSet Empty { get; } = new([]);

    /// <summary>The databases, in lookup order.</summary>
    public IReadOnlyList<GeoSource> Databases { get; }

    /// <summary>The index of the database named <paramref name="name"/> (file name without extension), or -1.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < Databases.Count; i++)
        {
            if (string.Equals(Databases[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
