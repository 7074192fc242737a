using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Scriptable.Engine.Trial;

/// <summary>How to start a process of the <c>scriptable</c> program itself (for a trial, or a sandboxed command).</summary>
/// <param name="FileName">The executable: the <c>scriptable</c> apphost, or the <c>dotnet</c> host.</param>
/// <param name="Arguments">Its first arguments (<c>exec scriptable.dll</c> through the host), before the command's own.</param>
public sealed record WorkerCommand(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>
    /// The command that runs the program whose main assembly is <paramref name="program"/>: the running executable
    /// when the program is a single file (its assembly has no path on disk); through the <c>dotnet</c> host this
    /// process runs on when it does (tests, <c>dotnet scriptable.dll</c>); else through the apphost beside the
    /// assembly; else through <c>dotnet</c> on the PATH.
    /// </summary>
    /// <exception cref="InvalidOperationException">The program is a single file and the runtime does not say which executable this process runs.</exception>
    [UnconditionalSuppressMessage("SingleFile", "IL3000:Avoid accessing Assembly file path when publishing as a single file",
        Justification = "An empty location is how a single-file program is recognised; it then runs as the process's own executable.")]
    public static WorkerCommand ForProgram(Assembly program)
    {
        var host = Environment.ProcessPath;
        var assemblyPath = program.Location;
        if (assemblyPath.Length == 0)
        {
            return new WorkerCommand(host ?? throw new InvalidOperationException("A single-file program whose executable the runtime does not name cannot start its child processes."), []);
        }

        if (host is not null && Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return new WorkerCommand(host, ["exec", assemblyPath]);
        }

        var apphost = Path.ChangeExtension(assemblyPath, null);
        if (File.Exists(apphost))
        {
            return new WorkerCommand(apphost, []);
        }

        var fromEnvironment = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return new WorkerCommand(string.IsNullOrEmpty(fromEnvironment) ? "dotnet" : fromEnvironment, ["exec", assemblyPath]);
    }

    /// <summary>This command followed by <paramref name="arguments"/>.</summary>
    public WorkerCommand With(params string[] arguments) => new(FileName, [.. Arguments, .. arguments]);
}
