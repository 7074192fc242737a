using System.Text.Json.Serialization;
using Scriptable.Engine.Policies;

namespace Scriptable.Engine.Trial;

/// <summary>What the server sends a trial process on its standard input (JSON).</summary>
internal sealed class TrialRequest
{
    /// <summary>The build of the sender: a trial process of another build (the binary was upgraded on disk) refuses.</summary>
    public string Build { get; set; } = "";

    /// <summary>The policies folder.</summary>
    public string Folder { get; set; } = "";

    /// <summary>Policy globs.</summary>
    public List<string> Include { get; set; } = [];

    /// <summary>Policy globs excluded.</summary>
    public List<string> Exclude { get; set; } = [];

    /// <summary>Default settings of policies.</summary>
    public TrialPolicySettings Defaults { get; set; } = new();

    /// <summary>Trial limits.</summary>
    public int Questions { get; set; }

    /// <summary>CPU time for one file's questions, milliseconds.</summary>
    public int QuestionTimeMilliseconds { get; set; }

    /// <summary>Fixture failures reject.</summary>
    public bool FixturesMustPass { get; set; }

    /// <summary>Compile deadline, milliseconds.</summary>
    public int CompileTimeoutMilliseconds { get; set; }

    /// <summary>Source cap, KiB.</summary>
    public int MaxSourceKilobytes { get; set; }

    /// <summary>Folders outside the policies folder the operator allows reads from (<c>Files:IncludeDirectories</c>).</summary>
    public List<string> IncludeDirectories { get; set; } = [];

    /// <summary>The server's own files, never read as data.</summary>
    public List<string> ServerFiles { get; set; } = [];

    /// <summary>Geo databases configured before the folder's <c>_geo/</c>.</summary>
    public List<string> Geo { get; set; } = [];

    /// <summary>The time the trial's questions take as "now".</summary>
    public DateTimeOffset Now { get; set; }

    /// <summary>Files to compile and try.</summary>
    public List<TrialSourceMessage> Work { get; set; } = [];

    /// <summary>Versions serving beside them.</summary>
    public List<TrialSeedMessage> Live { get; set; } = [];
}

/// <summary>A file and its text.</summary>
internal sealed class TrialSourceMessage
{
    /// <summary>The file.</summary>
    public string File { get; set; } = "";

    /// <summary>Its zone folder.</summary>
    public string ZoneFolder { get; set; } = "";

    /// <summary>Its label.</summary>
    public string Label { get; set; } = "";

    /// <summary>Its text (null for a seed).</summary>
    public string? Text { get; set; }
}

/// <summary>A version serving now.</summary>
internal sealed class TrialSeedMessage
{
    /// <summary>The file.</summary>
    public TrialSourceMessage Source { get; set; } = new();

    /// <summary>Content hash.</summary>
    public string Hash { get; set; } = "";

    /// <summary>Class holding Run.</summary>
    public string ClassName { get; set; } = "";

    /// <summary>The assembly.</summary>
    public byte[] Assembly { get; set; } = [];

    /// <summary>Its portable PDB.</summary>
    public byte[] Pdb { get; set; } = [];

    /// <summary>Its settings.</summary>
    public TrialPolicySettings Settings { get; set; } = new();

    /// <summary>Names added by <c>names=</c>.</summary>
    public List<string> ExtraNames { get; set; } = [];

    /// <summary>Helper paths.</summary>
    public List<string> Helpers { get; set; } = [];
}

/// <summary><see cref="PolicySettings"/> on the wire.</summary>
internal sealed class TrialPolicySettings
{
    /// <summary>Fallback.</summary>
    public PolicyFallback Fallback { get; set; }

    /// <summary>Time budget, microseconds.</summary>
    public long TimeBudgetMicroseconds { get; set; }

    /// <summary>Stack, KiB.</summary>
    public int MaxStackKilobytes { get; set; }

    /// <summary>Memory, KiB.</summary>
    public int MaxAllocatedKilobytes { get; set; }

    /// <summary>Load budget, microseconds.</summary>
    public long LoadTimeBudgetMicroseconds { get; set; }

    /// <summary>To the wire.</summary>
    public static TrialPolicySettings From(PolicySettings settings) => new()
    {
        Fallback = settings.Fallback,
        TimeBudgetMicroseconds = (long)settings.TimeBudget.TotalMicroseconds,
        MaxStackKilobytes = settings.MaxStackKilobytes,
        MaxAllocatedKilobytes = settings.MaxAllocatedKilobytes,
        LoadTimeBudgetMicroseconds = (long)settings.LoadTimeBudget.TotalMicroseconds,
    };

    /// <summary>From the wire.</summary>
    public PolicySettings ToSettings() => new()
    {
        Fallback = Fallback,
        TimeBudget = TimeSpan.FromMicroseconds(TimeBudgetMicroseconds),
        MaxStackKilobytes = MaxStackKilobytes,
        MaxAllocatedKilobytes = MaxAllocatedKilobytes,
        LoadTimeBudget = TimeSpan.FromMicroseconds(LoadTimeBudgetMicroseconds),
    };
}

/// <summary>What a trial process answers on its standard output (JSON).</summary>
internal sealed class TrialResponse
{
    /// <summary>The trial process's build.</summary>
    public string Build { get; set; } = "";

    /// <summary>Why the whole request could not be tried (a build mismatch), or null.</summary>
    public string? Error { get; set; }

    /// <summary>One per work item, in order.</summary>
    public List<TrialResultMessage> Results { get; set; } = [];
}

/// <summary>The result for one file.</summary>
internal sealed class TrialResultMessage
{
    /// <summary>The file.</summary>
    public string File { get; set; } = "";

    /// <summary>Class holding Run.</summary>
    public string ClassName { get; set; } = "";

    /// <summary>The assembly of a version that passed, or null.</summary>
    public byte[]? Assembly { get; set; }

    /// <summary>Its PDB.</summary>
    public byte[]? Pdb { get; set; }

    /// <summary>Helpers included (path, text).</summary>
    public List<TrialHelperMessage> Helpers { get; set; } = [];

    /// <summary>Errors and warnings of compiling, loading and trying.</summary>
    public List<TrialDiagnosticMessage> Diagnostics { get; set; } = [];

    /// <summary>Compile time, microseconds.</summary>
    public long CompileMicroseconds { get; set; }

    /// <summary>The trial's summary line, or null when it did not run.</summary>
    public string? Summary { get; set; }
}

/// <summary>A helper file.</summary>
internal sealed class TrialHelperMessage
{
    /// <summary>Its path.</summary>
    public string Path { get; set; } = "";

    /// <summary>Its text.</summary>
    public string Text { get; set; } = "";
}

/// <summary>A <see cref="PolicyDiagnostic"/> on the wire.</summary>
internal sealed class TrialDiagnosticMessage
{
    /// <summary>File.</summary>
    public string File { get; set; } = "";

    /// <summary>Line.</summary>
    public int Line { get; set; }

    /// <summary>Column.</summary>
    public int Column { get; set; }

    /// <summary>Error or warning.</summary>
    public bool IsError { get; set; }

    /// <summary>Id.</summary>
    public string Id { get; set; } = "";

    /// <summary>Message.</summary>
    public string Message { get; set; } = "";

    /// <summary>To the wire.</summary>
    public static TrialDiagnosticMessage From(PolicyDiagnostic d) => new() { File = d.File, Line = d.Line, Column = d.Column, IsError = d.IsError, Id = d.Id, Message = d.Message };

    /// <summary>From the wire.</summary>
    public PolicyDiagnostic ToDiagnostic() => new(File, Line, Column, IsError, Id, Message);
}

/// <summary>Source-generated JSON for the trial messages.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(TrialRequest))]
[JsonSerializable(typeof(TrialResponse))]
internal sealed partial class TrialJson : JsonSerializerContext;
