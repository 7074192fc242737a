namespace Scriptable.Policies;

/// <summary>A place on Earth, in degrees (WGS 84, as geo databases give them).</summary>
/// <param name="Latitude">-90 (south) to 90 (north).</param>
/// <param name="Longitude">-180 (west) to 180 (east).</param>
public readonly record struct GeoPoint(double Latitude, double Longitude)
{
    private const double EarthRadiusKm = 6371.0088;

    /// <summary>The great-circle distance to <paramref name="other"/>, in km (haversine formula).</summary>
    public double DistanceKm(GeoPoint other)
    {
        var lat1 = Latitude * (Math.PI / 180);
        var lat2 = other.Latitude * (Math.PI / 180);
        var dLat = lat2 - lat1;
        var dLon = (other.Longitude - Longitude) * (Math.PI / 180);
        var a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2)) + (Math.Cos(lat1) * Math.Cos(lat2) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
