using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// A secondary name server (BIND's named, NSD or knotd) started in the foreground on a loopback port with its own
/// configuration in a temporary folder; what it logs is kept for the tests to read. Killed on dispose.
/// </summary>
public sealed class SecondaryServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private SecondaryServer(string name, Process process, string directory, int port, string? logFile)
    {
        Name = name;
        _process = process;
        Directory = directory;
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
        LogFile = logFile;
    }

    /// <summary>named, nsd or knotd.</summary>
    public string Name { get; }

    /// <summary>Its folder: configuration, zone file, state.</summary>
    public string Directory { get; }

    /// <summary>Where it answers.</summary>
    public IPEndPoint EndPoint { get; }

    private string? LogFile { get; }

    /// <summary>What it logged so far (standard output and error, and its log file).</summary>
    public string Log => string.Join("\n", _output) + (LogFile is not null && File.Exists(LogFile) ? "\n" + ReadShared(LogFile) : "");

    /// <summary>True while it runs.</summary>
    public bool Running => !_process.HasExited;

    /// <summary>Starts <paramref name="tool"/> with <paramref name="arguments"/>; the configuration is already written in <paramref name="directory"/>.</summary>
    public static SecondaryServer Start(string name, string tool, IEnumerable<string> arguments, string directory, int port, string? logFile = null)
    {
        var start = new ProcessStartInfo(Scriptable.TestCommon.ExternalTool.Require(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var server = new SecondaryServer(name, process, directory, port, logFile);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { server._output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { server._output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
