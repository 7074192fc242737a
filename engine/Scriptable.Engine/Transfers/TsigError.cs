namespace Scriptable.Engine.Transfers;

/// <summary>The TSIG record's Error field (RFC 8945 section 3; in responses with RCODE NOTAUTH).</summary>
public static class TsigError
{
    /// <summary>No error.</summary>
    public const int None = 0;

    /// <summary>The MAC did not verify.</summary>
    public const int BadSig = 16;

    /// <summary>The key (name and algorithm) is not known.</summary>
    public const int BadKey = 17;

    /// <summary>The time signed is outside the fudge.</summary>
    public const int BadTime = 18;

    /// <summary>The MAC was truncated below what is allowed.</summary>
    public const int BadTrunc = 22;
}
