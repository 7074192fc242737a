namespace Scriptable.Engine.Protocol;

/// <summary>DNS header opcodes.</summary>
public static class OpCode
{
    /// <summary>Standard query: the only one this server answers.</summary>
    public const int Query = 0;
    /// <summary>Zone change notification (RFC 1996): NOTIMP here.</summary>
    public const int Notify = 4;
    /// <summary>Dynamic update (RFC 2136): NOTIMP here.</summary>
    public const int Update = 5;
}
