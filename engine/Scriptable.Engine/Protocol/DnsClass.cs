namespace Scriptable.Engine.Protocol;

/// <summary>DNS class numbers.</summary>
public static class DnsClass
{
    /// <summary>The Internet.</summary>
    public const ushort IN = 1;
    /// <summary>Chaos (server identity queries such as <c>version.bind</c>).</summary>
    public const ushort CH = 3;
    /// <summary>Hesiod.</summary>
    public const ushort HS = 4;
    /// <summary>No class (dynamic update).</summary>
    public const ushort NONE = 254;
    /// <summary>Any class.</summary>
    public const ushort ANY = 255;
}
