namespace Scriptable.Engine.Geo;

/// <summary>
/// Something that says where an address is: a MaxMind-format database (<see cref="GeoDatabase"/>), or facts
/// stated by a test or fixture (<see cref="StatedGeo"/>), so that both go through the same policy code.
/// </summary>
public abstract class GeoSource
{
    /// <summary>How policies name it in <c>ctx.Geo.Value(database, path)</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The record for an address (4 or 16 octets), and the prefix length of the network it holds for.</summary>
    internal abstract GeoRecord? Lookup(ReadOnlySpan<byte> address, out int prefixLength);
}
