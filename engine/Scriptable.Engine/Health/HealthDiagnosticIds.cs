namespace Scriptable.Engine.Health;

/// <summary>The ids of <c>health.yaml</c> diagnostics (<c>HLT0xx</c>); the README lists them.</summary>
public static class HealthDiagnosticIds
{
    /// <summary>YAML syntax error.</summary>
    public const string Syntax = "HLT001";

    /// <summary>The file cannot be read.</summary>
    public const string Unreadable = "HLT002";

    /// <summary>A value of the wrong shape (a list where a mapping belongs, nothing where a value is needed).</summary>
    public const string WrongShape = "HLT003";

    /// <summary>A top-level key other than defaults, checks, groups.</summary>
    public const string UnknownTopKey = "HLT004";

    /// <summary>A key given twice in one mapping.</summary>
    public const string DuplicateKey = "HLT005";

    /// <summary>A check or group name used twice, or a group named like a check.</summary>
    public const string DuplicateName = "HLT006";

    /// <summary>A check or group name with characters outside letters, digits, <c>. _ - :</c>.</summary>
    public const string BadName = "HLT007";

    /// <summary>A check with none of http, tcp, dns, command.</summary>
    public const string NoKind = "HLT010";

    /// <summary>A check with two or more of http, tcp, dns, command.</summary>
    public const string TwoKinds = "HLT011";

    /// <summary>An unknown key in a check.</summary>
    public const string UnknownCheckSetting = "HLT012";

    /// <summary>A duration that does not parse, or is out of range.</summary>
    public const string BadDuration = "HLT013";

    /// <summary>rise, fall or min-up not a whole number in range.</summary>
    public const string BadCount = "HLT014";

    /// <summary>A timeout not less than the interval.</summary>
    public const string TimeoutNotBelowInterval = "HLT015";

    /// <summary>An http value that is not an http:// or https:// URL.</summary>
    public const string BadUrl = "HLT016";

    /// <summary>A tcp or dns value that is not host:port.</summary>
    public const string BadEndpoint = "HLT017";

    /// <summary>A dns check without a query, or a bad name or type.</summary>
    public const string BadQuery = "HLT018";

    /// <summary>A command that is not a list of words.</summary>
    public const string BadCommand = "HLT019";

    /// <summary>An expect that is not a status or range.</summary>
    public const string BadExpect = "HLT020";

    /// <summary>An initial state other than up or down.</summary>
    public const string BadInitial = "HLT021";

    /// <summary>A setting of another kind of check (method on a tcp check).</summary>
    public const string WrongKindSetting = "HLT022";

    /// <summary>An HTTP method that is not a word.</summary>
    public const string BadMethod = "HLT023";

    /// <summary>A Host header that is not a host name.</summary>
    public const string BadHost = "HLT024";

    /// <summary>A boolean other than true or false.</summary>
    public const string BadBoolean = "HLT025";

    /// <summary>An empty body text.</summary>
    public const string BadBody = "HLT026";

    /// <summary>Warning: tls-verify on an http:// URL.</summary>
    public const string TlsVerifyWithoutTls = "HLT027";

    /// <summary>Warning: a check's interval is not above the inherited timeout, so the timeout was shortened to 80% of it.</summary>
    public const string TimeoutShortened = "HLT029";

    /// <summary>An unknown key in defaults.</summary>
    public const string UnknownDefault = "HLT028";

    /// <summary>A group member that is not a check.</summary>
    public const string UnknownMember = "HLT030";

    /// <summary>An unknown key in a group.</summary>
    public const string UnknownGroupSetting = "HLT031";

    /// <summary>A group listing a member twice.</summary>
    public const string DuplicateMember = "HLT032";

    /// <summary>A group whose min-up exceeds its member count.</summary>
    public const string MinUpTooHigh = "HLT033";

    /// <summary>A group without members.</summary>
    public const string NoMembers = "HLT034";

    /// <summary>The file is not read: the folder rule refused it (a link out of the folder, not a regular file, a server file).</summary>
    public const string NotRead = "HLT035";

    /// <summary>A command check while the server's configuration has command checks off.</summary>
    public const string CommandsOff = "HLT036";

    /// <summary>A command whose program is not an absolute path.</summary>
    public const string ProgramNotAbsolute = "HLT037";

    /// <summary>A command whose program is not a regular file in the folders the server's configuration allows.</summary>
    public const string ProgramNotAllowed = "HLT038";

    /// <summary>Warning: a command's program does not exist (yet); its probes fail until it does.</summary>
    public const string ProgramMissing = "HLT039";

    /// <summary>A quorum that is not one, majority, all or a number from 1 to 1000.</summary>
    public const string BadQuorum = "HLT040";

    /// <summary>A probers count that is not a number from 1 to 1000, or all.</summary>
    public const string BadProbers = "HLT041";
}
