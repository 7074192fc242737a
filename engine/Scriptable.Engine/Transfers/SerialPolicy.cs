namespace Scriptable.Engine.Transfers;

/// <summary>How a zone's SOA serial is set when its content changes (<c>Zones:&lt;zone&gt;:Serial</c>).</summary>
public enum SerialPolicy
{
    /// <summary>The zone file's serial, as written (the default); a change without a bump is warned about.</summary>
    Keep,

    /// <summary>The Unix time of the change (or the last serial plus one, if that is higher).</summary>
    UnixTime,

    /// <summary>The last serial served plus one (or the file's, if that is higher).</summary>
    Increment,
}
