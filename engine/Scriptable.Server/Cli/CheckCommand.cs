using System.CommandLine;
using Scriptable.Engine.Fixtures;
using Scriptable.Engine.Local;
using Scriptable.Engine.Model;
using Scriptable.Engine.Policies;
using Scriptable.Engine.Trial;

namespace Scriptable.Server.Cli;

/// <summary>
/// <c>scriptable check [DIR]</c>: loads every zone, compiles every policy and reads the geo databases and
/// <c>health.yaml</c> of a folder, exactly as the server would, and reports every problem (<c>file:line: error</c>
/// for zones, <c>file(line,col): error CSxxxx</c> for policies, <c>health.yaml(line,col): error HLTxxx</c>);
/// exit code 1 on any error.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var folder = new Argument<string?>("folder")
        {
            Description = "The policies folder to check, or a folder holding policies folders (examples/ holds one per example). Default: the configured one, else ./policies, else the current folder if it holds zones.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var config = new Option<string?>("--config", "-c")
        {
            Description = "A JSON configuration file whose Policy section (globs, defaults) applies (default: ./scriptable.json if present).",
        };
        var command = new Command("check", "Check the zones and policies of a folder without serving them; exit 1 on any error.")
        {
            folder,
            config,
        };
        command.SetAction(parse =>
        {
            var options = ToolConfiguration.Load(parse.GetValue(config), Console.Error);
            if (options is null)
            {
                return 2;
            }

            if (DefaultFolder.For(parse.GetValue(folder), options, "check", Console.Error) is not { } given)
            {
                return 2;
            }

            if (!Directory.Exists(given))
            {
                Console.Error.WriteLine($"{given}: error: the policies folder does not exist");
                return 1;
            }

            // A folder of policies folders (examples/): each is checked as the server would load it.
            var found = FixtureSuite.FindFolders(given);
            if (found.Count <= 1)
            {
                var only = found.Count == 1 ? found[0] : given;
                return Run(only, Console.Out, Console.Error, options.Policy.ToOptions(), options.Geo.Databases, options.Policy.Trial.Enabled, options.ToFolderOptions(only));
            }

            var exit = 0;
            foreach (var one in found)
            {
                Console.Out.WriteLine($"== {ShownPath.Of(one)}");
                exit = Math.Max(exit, Run(one, Console.Out, Console.Error, options.Policy.ToOptions(), options.Geo.Databases, options.Policy.Trial.Enabled, options.ToFolderOptions(one)));
            }

            Console.Out.WriteLine($"{found.Count} policies folders checked: {(exit == 0 ? "all passed" : "some FAILED (above)")}");
            return exit;
        });
        return command;
    }

    /// <summary>
    /// Writes every diagnostic; returns the exit code. With <paramref name="trial"/>, every policy that compiles
    /// is also tried as the server tries a new version before it serves (its fixture cases and synthetic
    /// questions): what fails here would not go live.
    /// </summary>
    public static int Run(string folder, TextWriter output, TextWriter errors, PolicyOptions? policyOptions = null, IReadOnlyList<string>? geo = null, bool trial = true, FolderOptions? folderOptions = null)
    {
        if (!Directory.Exists(folder))
        {
            errors.WriteLine($"{folder}: error: the policies folder does not exist");
            return 1;
        }

        using var loader = new FolderLoader(folder, policyOptions, geo, folderOptions);
        var reload = loader.Reload();
        using var local = LocalServer.FromReload(reload, loader);
        var trials = new Dictionary<string, PolicyTrialReport>(StringComparer.Ordinal);
        if (trial)
        {
            foreach (var change in reload.Policies.Changes)
            {
                if (change.Kind == PolicyChangeKind.Loaded)
                {
                    trials[change.File] = PolicyTrial.Run(local, change.File, (policyOptions ?? new PolicyOptions()).TrialSettings, DateTimeOffset.UtcNow, loader.Boundary);
                }
            }
        }

        var result = reload.ZoneResult;
        foreach (var warning in result.Warnings)
        {
            errors.WriteLine((warning with { File = ShownPath.Of(warning.File) }).Format("warning"));
        }

        foreach (var error in result.Errors)
        {
            errors.WriteLine((error with { File = ShownPath.Of(error.File) }).Format("error"));
        }

        foreach (var zone in result.Zones)
        {
            output.WriteLine($"ok: zone '{zone.Origin}' serial {zone.Serial}, {zone.RecordCount} records");
        }

        foreach (var failed in result.Failed)
        {
            output.WriteLine($"FAILED: zone '{failed}'");
        }

        // Every diagnostic printed is counted in the summary, as an error or as a warning.
        var errorCount = result.Errors.Count;
        var warningCount = result.Warnings.Count;
        foreach (var warning in reload.Policies.Warnings)
        {
            Count(warning.IsError);
            errors.WriteLine(Shown(warning));
        }

        var policiesOk = 0;
        var policiesFailed = 0;
        foreach (var change in reload.Policies.Changes)
        {
            foreach (var diagnostic in change.Diagnostics)
            {
                Count(diagnostic.IsError);
                errors.WriteLine(Shown(diagnostic));
            }

            var tried = trials.GetValueOrDefault(change.File);
            foreach (var diagnostic in tried?.Diagnostics ?? [])
            {
                Count(diagnostic.IsError);
                errors.WriteLine(Shown(diagnostic));
            }

            if (change.Kind == PolicyChangeKind.Loaded && tried?.Passed != false)
            {
                policiesOk++;
                output.WriteLine($"ok: policy '{ShownPath.Of(change.File)}' serving {(change.Names.Count > 0 ? string.Join(", ", change.Names) : "no name")}{(tried is null ? "" : $" (trial: {tried.Summary})")}");
            }
            else if (change.Kind == PolicyChangeKind.Loaded)
            {
                policiesFailed++;
                output.WriteLine($"FAILED: policy '{ShownPath.Of(change.File)}' (its trial)");
            }
            else if (change.Kind is PolicyChangeKind.Failed or PolicyChangeKind.Kept)
            {
                policiesFailed++;
                output.WriteLine($"FAILED: policy '{ShownPath.Of(change.File)}'");
            }
        }

        foreach (var change in reload.Geo.Changes)
        {
            if (change.Error is not null)
            {
                errorCount++;
                errors.WriteLine($"{ShownPath.Of(change.Path)}: error: {change.Error}");
            }
            else if (change.Database is { } database)
            {
                output.WriteLine($"ok: geo database '{ShownPath.Of(change.Path)}': {database.DatabaseType}, built {database.BuildTime:yyyy-MM-dd}");
            }
        }

        // health.yaml: what serve would refuse (and keep the running checks for), reported here first.
        if (reload.HealthResult is { } health)
        {
            var healthErrors = 0;
            foreach (var diagnostic in health.Diagnostics)
            {
                healthErrors += diagnostic.IsError ? 1 : 0;
                Count(diagnostic.IsError);
                errors.WriteLine(Shown(diagnostic));
            }

            if (healthErrors == 0)
            {
                output.WriteLine($"ok: health.yaml: {reload.Health.Checks.Count} checks, {reload.Health.Groups.Count} groups");
            }
            else
            {
                output.WriteLine("FAILED: health.yaml");
            }
        }

        output.WriteLine($"{result.Zones.Count} zones loaded, {result.Failed.Count} failed; {policiesOk} policies compiled, {policiesFailed} failed; "
            + $"{errorCount} errors, {warningCount} warnings");
        return errorCount > 0 ? 1 : 0;

        // Paths as the operator would type them: example.org/www.csx from the folder, not ./example.org/www.csx.
        static PolicyDiagnostic Shown(PolicyDiagnostic diagnostic) => diagnostic with { File = ShownPath.Of(diagnostic.File) };

        void Count(bool isError)
        {
            errorCount += isError ? 1 : 0;
            warningCount += isError ? 0 : 1;
        }
    }
}
