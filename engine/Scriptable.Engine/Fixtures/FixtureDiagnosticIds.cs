namespace Scriptable.Engine.Fixtures;

/// <summary>The ids of fixture file diagnostics (<c>FIX0xx</c>); the README lists them.</summary>
public static class FixtureDiagnosticIds
{
    /// <summary>YAML syntax error, or the file cannot be read.</summary>
    public const string Syntax = "FIX001";

    /// <summary>A value of the wrong shape (a list where a mapping belongs, nothing where a value is needed).</summary>
    public const string WrongShape = "FIX002";

    /// <summary>A key the fixture format does not have (with the nearest known key, when one is close).</summary>
    public const string UnknownKey = "FIX003";

    /// <summary>A key given twice in one mapping.</summary>
    public const string DuplicateKey = "FIX004";

    /// <summary>A value that does not parse: a record, an address, a subnet, a time, a share...</summary>
    public const string BadValue = "FIX005";

    /// <summary>Something a case needs is missing: its <c>case</c> text, its <c>expect</c>, or the name to ask.</summary>
    public const string Missing = "FIX006";

    /// <summary>A geo database named by <c>geo-databases</c> does not exist.</summary>
    public const string NoDatabase = "FIX007";

    /// <summary>Expectations that cannot all hold (<c>answer</c> with <c>one-of</c>, shares not summing to 100%).</summary>
    public const string Contradiction = "FIX008";

    /// <summary>The fixture file, or a geo database it names, is not read: the folder rule refused it (outside the folder, not a regular file).</summary>
    public const string NotRead = "FIX009";
}
