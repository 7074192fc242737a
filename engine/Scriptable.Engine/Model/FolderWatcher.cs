using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Scriptable.Engine.Diagnostics;
using Scriptable.Engine.Files;

namespace Scriptable.Engine.Model;

/// <summary>
/// Notices changes to a policies folder and asks for a reload: a file system watcher for speed, and a
/// periodic rescan because watchers miss events (editors that rename over files, network file systems,
/// event buffer overflows). Events are debounced, so a save that touches a file three times reloads
/// once; the rescan compares a fingerprint of the folder (every file's path, size and time, and the
/// content of every policy), so an idle folder costs a few stat calls per interval.
/// </summary>
public sealed partial class FolderWatcher : IAsyncDisposable
{
    private readonly string _folder;
    private readonly Func<CancellationToken, Task> _reload;
    private readonly TimeSpan _debounce;
    private readonly TimeSpan _rescan;
    private readonly ILogger _logger;
    private readonly Func<IReadOnlyList<string>> _extraFiles;
    private readonly FolderBoundary _boundary;
    private readonly List<FileSystemWatcher> _extraWatchers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _signal = new(0);
    private FileSystemWatcher? _watcher;
    private Task? _loop;
    private string _fingerprint = "";

    /// <summary>
    /// Creates a watcher; nothing happens until <see cref="Start"/>. <paramref name="extraFiles"/> gives files
    /// outside the folder that count too (configured geo databases); the folder is walked, and policies' content
    /// read, through <paramref name="boundary"/>, the folder rule (default: the rule for <paramref name="folder"/>).
    /// </summary>
    public FolderWatcher(string folder, Func<CancellationToken, Task> reload, TimeSpan debounce, TimeSpan rescan, ILogger logger, Func<IReadOnlyList<string>>? extraFiles = null, FolderBoundary? boundary = null)
    {
        _boundary = boundary ?? new FolderBoundary(folder);
        _folder = folder;
        _reload = reload;
        _debounce = debounce;
        _rescan = rescan;
        _logger = logger;
        _extraFiles = extraFiles ?? (() => []);
    }

    /// <summary>Starts watching. The folder's current state is taken as already loaded.</summary>
    public void Start()
    {
        _fingerprint = Fingerprint(_folder, _extraFiles(), _boundary);
        foreach (var directory in _extraFiles().Select(f => Path.GetDirectoryName(Path.GetFullPath(f))!).Distinct(StringComparer.Ordinal))
        {
            if (Directory.Exists(directory) && !Path.GetFullPath(directory).StartsWith(Path.GetFullPath(_folder), StringComparison.Ordinal))
            {
                try
                {
                    var watcher = new FileSystemWatcher(directory) { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
                    watcher.Changed += OnEvent;
                    watcher.Created += OnEvent;
                    watcher.Deleted += OnEvent;
                    watcher.Renamed += OnEvent;
                    watcher.EnableRaisingEvents = true;
                    _extraWatchers.Add(watcher);
                }
                catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
                {
                    LogWatcherError(ex.Message);
                }
            }
        }

        try
        {
            _watcher = new FileSystemWatcher(_folder)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            _watcher.Changed += OnEvent;
            _watcher.Created += OnEvent;
            _watcher.Deleted += OnEvent;
            _watcher.Renamed += OnEvent;
            _watcher.Error += (_, e) =>
            {
                LogWatcherError(e.GetException().Message);
                _signal.Release();
            };
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // Too many watches (inotify limits) or an unusual file system: the rescan still catches changes.
            LogWatcherError(ex.Message);
            _watcher?.Dispose();
            _watcher = null;
        }

        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Asks for a reload now (SIGHUP), whatever the fingerprint says.</summary>
    public void Trigger()
    {
        _fingerprint = "";
        _signal.Release();
    }

    private void OnEvent(object sender, FileSystemEventArgs e) => _signal.Release();

    private async Task RunAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                var signalled = await _signal.WaitAsync(_rescan, token).ConfigureAwait(false);
                if (signalled)
                {
                    // Debounce: wait until the folder has been quiet for a moment (at most a second in all).
                    var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
                    while (Stopwatch.GetTimestamp() < deadline && await _signal.WaitAsync(_debounce, token).ConfigureAwait(false))
                    {
                    }

                    while (_signal.CurrentCount > 0)
                    {
                        await _signal.WaitAsync(token).ConfigureAwait(false);
                    }
                }

                var fingerprint = Fingerprint(_folder, _extraFiles(), _boundary);
                if (fingerprint == _fingerprint)
                {
                    continue;
                }

                _fingerprint = fingerprint;
                LogFolderChanged(signalled ? "a file system event" : "the periodic rescan");
                await _reload(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A reload must never stop the watching: log, and let the next change or rescan retry.
                _fingerprint = "";
                LogReloadFailed(ex);
            }
        }
    }

    /// <summary>
    /// Paths, sizes and times of every file (and of the extra files), plus the content of every policy. The folder is
    /// walked by the folder rule (links to folders followed inside only, each folder once: a link loop costs
    /// nothing), and a policy's content is read through it (a FIFO or a link out of the folder is not read).
    /// </summary>
    internal static string Fingerprint(string folder, IReadOnlyList<string> extraFiles, FolderBoundary? boundary = null)
    {
        // Resolved once for the whole walk: the fingerprint runs every few seconds.
        boundary = (boundary ?? new FolderBoundary(folder)).Snapshot();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (!Directory.Exists(folder))
        {
            return "";
        }

        var files = new List<FileInfo>();
        try
        {
            files.AddRange(boundary.EnumerateFiles(folder).Select(f => new FileInfo(f)));
        }
        catch (IOException)
        {
            return "";
        }

        foreach (var extra in extraFiles)
        {
            var info = new FileInfo(extra);
            if (info.Exists)
            {
                files.Add(info);
            }
            else
            {
                hash.AppendData(Encoding.UTF8.GetBytes($"{extra}\0missing\0"));
            }
        }

        files.Sort((a, b) => string.CompareOrdinal(a.FullName, b.FullName));
        foreach (var file in files)
        {
            try
            {
                hash.AppendData(Encoding.UTF8.GetBytes(file.Exists ? $"{file.FullName}\0{file.Length}\0{file.LastWriteTimeUtc.Ticks}\0" : $"{file.FullName}\0missing\0"));
                if (file.Extension == ".csx" && file.Exists && file.Length < 1024 * 1024)
                {
                    hash.AppendData(boundary.ReadBytes(file.FullName, 1024 * 1024));
                }
            }
            catch (FileRefusedException ex)
            {
                hash.AppendData(Encoding.UTF8.GetBytes($"refused\0{ex.Reason}\0"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                hash.AppendData("?"u8);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _watcher?.Dispose();
        foreach (var watcher in _extraWatchers)
        {
            watcher.Dispose();
        }

        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
        _signal.Dispose();
    }

    [LoggerMessage(EventId = EventIds.FolderChanged, EventName = nameof(EventIds.FolderChanged), Level = LogLevel.Debug,
        Message = "The policies folder changed ({Cause}): reloading.")]
    private partial void LogFolderChanged(string cause);

    [LoggerMessage(EventId = EventIds.ReloadFailed, EventName = nameof(EventIds.ReloadFailed), Level = LogLevel.Error,
        Message = "Reloading the policies folder failed; what was loaded keeps serving, and the next change retries.")]
    private partial void LogReloadFailed(Exception exception);

    [LoggerMessage(EventId = EventIds.WatcherFailed, EventName = nameof(EventIds.WatcherFailed), Level = LogLevel.Warning,
        Message = "Watching the policies folder failed ({Reason}); changes are still found by the periodic rescan.")]
    private partial void LogWatcherError(string reason);
}
