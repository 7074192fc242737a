using System.CommandLine;
using Scriptable.Engine.Model;
using Scriptable.Engine.Policies;

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
        var folder = new Argument<string>("folder")
        {
            Description = "The policies folder to check.",
            DefaultValueFactory = _ => "policies",
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
            return options is null ? 2 : Run(parse.GetValue(folder)!, Console.Out, Console.Error, options.Policy.ToOptions(), options.Geo.Databases);
        });
        return command;
    }

    /// <summary>Writes every diagnostic; returns the exit code.</summary>
    public static int Run(string folder, TextWriter output, TextWriter errors, PolicyOptions? policyOptions = null, IReadOnlyList<string>? geo = null)
    {
        if (!Directory.Exists(folder))
        {
            errors.WriteLine($"{folder}: error: the policies folder does not exist");
            return 1;
        }

        using var loader = new FolderLoader(folder, policyOptions, geo);
        var reload = loader.Reload();
        var result = reload.ZoneResult;
        foreach (var warning in result.Warnings)
        {
            errors.WriteLine($"{warning.File}:{warning.Line}: warning: {warning.Message}");
        }

        foreach (var error in result.Errors)
        {
            errors.WriteLine($"{error.File}:{error.Line}: error: {error.Message}");
        }

        foreach (var zone in result.Zones)
        {
            output.WriteLine($"ok: zone '{zone.Origin}' serial {zone.Serial}, {zone.RecordCount} records");
        }

        foreach (var failed in result.Failed)
        {
            output.WriteLine($"FAILED: zone '{failed}'");
        }

        var policyErrors = 0;
        foreach (var warning in reload.Policies.Warnings)
        {
            policyErrors += warning.IsError ? 1 : 0;
            errors.WriteLine(warning);
        }

        var policiesOk = 0;
        var policiesFailed = 0;
        foreach (var change in reload.Policies.Changes)
        {
            foreach (var diagnostic in change.Diagnostics)
            {
                policyErrors += diagnostic.IsError ? 1 : 0;
                errors.WriteLine(diagnostic);
            }

            if (change.Kind == PolicyChangeKind.Loaded)
            {
                policiesOk++;
                output.WriteLine($"ok: policy '{change.File}' serving {(change.Names.Count > 0 ? string.Join(", ", change.Names) : "no name")}");
            }
            else if (change.Kind is PolicyChangeKind.Failed or PolicyChangeKind.Kept)
            {
                policiesFailed++;
                output.WriteLine($"FAILED: policy '{change.File}'");
            }
        }

        var geoErrors = 0;
        foreach (var change in reload.Geo.Changes)
        {
            if (change.Error is not null)
            {
                geoErrors++;
                errors.WriteLine($"{change.Path}: error: {change.Error}");
            }
            else if (change.Database is { } database)
            {
                output.WriteLine($"ok: geo database '{change.Path}': {database.DatabaseType}, built {database.BuildTime:yyyy-MM-dd}");
            }
        }

        // health.yaml: what serve would refuse (and keep the running checks for), reported here first.
        var healthErrors = 0;
        if (reload.HealthResult is { } health)
        {
            foreach (var diagnostic in health.Diagnostics)
            {
                healthErrors += diagnostic.IsError ? 1 : 0;
                errors.WriteLine(diagnostic);
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

        policyErrors += geoErrors + healthErrors;
        output.WriteLine($"{result.Zones.Count} zones loaded, {result.Failed.Count} failed, {result.Errors.Count} errors, {result.Warnings.Count} warnings; "
            + $"{policiesOk} policies compiled, {policiesFailed} failed, {policyErrors} errors");
        return result.Errors.Count > 0 || policyErrors > 0 ? 1 : 0;
    }
}
