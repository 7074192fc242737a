using System.Diagnostics;
using System.Text.Json;
using Scriptable.Engine.Geo;
using Scriptable.Engine.Health;
using Scriptable.Engine.Local;
using Scriptable.Engine.Model;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Policies.Compilation;
using Scriptable.Engine.Zones;

namespace Scriptable.Engine.Trial;

/// <summary>
/// The trial process's side (<c>scriptable __trial</c>): warms the compiler up, reads one
/// <see cref="TrialRequest"/> from standard input, loads the folder's zones with the versions serving now,
/// compiles and loads the changed files, tries each (<see cref="PolicyTrial"/>), and writes one
/// <see cref="TrialResponse"/> to standard output. Whatever kills this process (a stack overflow, a hang in
/// framework code) kills only it: the server learns from the progress file which file and step did it.
/// </summary>
public static class TrialWorker
{
    /// <summary>The hidden command of the <c>scriptable</c> program that runs a trial process.</summary>
    public const string Verb = "__trial";

    /// <summary>The build a server and its trial process must share (the engine assembly's identity).</summary>
    public static string Build { get; } = typeof(TrialWorker).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    /// <summary>Runs one trial; returns the process exit code.</summary>
    public static int Run(Stream input, Stream output)
    {
        WarmUp();
        TrialRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(input, TrialJson.Default.TrialRequest);
        }
        catch (JsonException ex)
        {
            Write(output, new TrialResponse { Build = Build, Error = "the trial request is not readable: " + ex.Message });
            return 2;
        }

        if (request is null)
        {
            return 2;
        }

        Write(output, request.Build == Build
            ? Handle(request)
            : new TrialResponse { Build = Build, Error = "this scriptable program is another build than the server's (was it upgraded on disk?): restart the server to load policy changes" });
        return 0;
    }

    /// <summary>Compiles a tiny policy so the compiler is loaded and compiled by the JIT before a request comes.</summary>
    private static void WarmUp()
    {
        using (TrialProgress.Step("(warm-up)", "compiling a first policy", TimeSpan.FromMinutes(2)))
        {
            PolicyCompiler.WarmUp();
        }
    }

    private static TrialResponse Handle(TrialRequest request)
    {
        var settings = new TrialSettings
        {
            Questions = request.Questions,
            QuestionTime = TimeSpan.FromMilliseconds(request.QuestionTimeMilliseconds),
            FixturesMustPass = request.FixturesMustPass,
            CompileTimeout = TimeSpan.FromMilliseconds(request.CompileTimeoutMilliseconds),
            MaxSourceKilobytes = request.MaxSourceKilobytes,
        };
        var options = new PolicyOptions
        {
            Include = request.Include,
            Exclude = request.Exclude,
            Defaults = request.Defaults.ToSettings(),
            TrialSettings = settings,
        };
        // The folder rule as the server has it (its include folders, its own files).
        var boundary = new FolderOptions { IncludeDirectories = request.IncludeDirectories, ServerFiles = request.ServerFiles }.BoundaryOf(request.Folder);
        var zones = ZoneLoader.LoadDirectory(request.Folder, new ZoneCache(), boundary);
        var catalog = new PolicyCatalog(request.Folder, options, boundary);
        var sources = new List<PolicySource>();
        foreach (var seed in request.Live)
        {
            var source = new PolicySource(seed.Source.File, seed.Source.ZoneFolder, seed.Source.Label, null);
            using (TrialProgress.Step(source.File, "loading the version serving now", TrialSettings.LoadDeadline(seed.Settings.ToSettings().LoadTimeBudget)))
            {
                catalog.Seed(source, seed.Hash, new CompiledPolicy(seed.Assembly, seed.Pdb, seed.ClassName, [], [], TimeSpan.Zero),
                    seed.Settings.ToSettings(), seed.ExtraNames, seed.Helpers);
            }

            sources.Add(source);
        }

        foreach (var work in request.Work)
        {
            sources.Add(new PolicySource(work.File, work.ZoneFolder, work.Label, work.Text));
        }

        var policies = catalog.Reload(zones.Zones, sources);
        var geo = new GeoCatalog(request.Geo, request.Folder, boundary);
        var health = File.Exists(Path.Combine(request.Folder, HealthConfig.FileName))
            ? HealthConfigParser.ParseFile(Path.Combine(request.Folder, HealthConfig.FileName))
            : null;
        var loaded = new FolderReload(new ZoneSet(zones.Zones), zones, [], policies, geo.Reload(), health?.Config ?? HealthConfig.Empty, health);
        var response = new TrialResponse { Build = Build };
        using var server = LocalServer.FromReload(loaded, new Unloader(catalog, geo));
        foreach (var work in request.Work)
        {
            var change = policies.Changes.FirstOrDefault(c => string.Equals(c.File, work.File, StringComparison.Ordinal));
            var result = new TrialResultMessage { File = work.File };
            response.Results.Add(result);
            if (change is null)
            {
                continue;
            }

            result.Diagnostics.AddRange(change.Diagnostics.Select(TrialDiagnosticMessage.From));
            if (change.Kind != PolicyChangeKind.Loaded || change.Version is not { } version)
            {
                continue;
            }

            var compiled = version.Compiled;
            result.ClassName = compiled.ClassName;
            result.CompileMicroseconds = (long)compiled.Elapsed.TotalMicroseconds;
            result.Helpers.AddRange(compiled.Helpers.Select(h => new TrialHelperMessage { Path = h.Path, Text = h.Text }));
            var report = PolicyTrial.Run(server, work.File, settings, request.Now, boundary);
            result.Diagnostics.AddRange(report.Diagnostics.Select(TrialDiagnosticMessage.From));
            result.Summary = report.Summary;
            if (report.Passed)
            {
                result.Assembly = compiled.Assembly;
                result.Pdb = compiled.Pdb;
            }
        }

        return response;
    }

    private static void Write(Stream output, TrialResponse response)
    {
        JsonSerializer.Serialize(output, response, TrialJson.Default.TrialResponse);
        output.Flush();
    }

    /// <summary>Unloads the trial's policies and closes its geo databases with the local server.</summary>
    private sealed class Unloader(PolicyCatalog catalog, GeoCatalog geo) : IDisposable
    {
        public void Dispose()
        {
            foreach (var version in catalog.Versions)
            {
                version.Unload();
            }

            geo.Dispose();
        }
    }
}
