using System.CommandLine;
using Scriptable.Engine.Zones;

namespace Scriptable.Server.Cli;

/// <summary><c>scriptable check [DIR]</c>: loads every zone of a policies folder and reports every problem.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("folder")
        {
            Description = "The policies folder to check.",
            DefaultValueFactory = _ => "policies",
        };
        var command = new Command("check", "Check the zones (and, later, policies) of a folder without serving them; exit 1 on any error.")
        {
            folder,
        };
        command.SetAction(parse => Run(parse.GetValue(folder)!, Console.Out, Console.Error));
        return command;
    }

    /// <summary>Writes diagnostics as <c>file:line: message</c>; returns the exit code.</summary>
    public static int Run(string folder, TextWriter output, TextWriter errors)
    {
        var result = ZoneLoader.LoadDirectory(folder);
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

        output.WriteLine($"{result.Zones.Count} zones loaded, {result.Failed.Count} failed, {result.Errors.Count} errors, {result.Warnings.Count} warnings");
        return result.Errors.Count > 0 ? 1 : 0;
    }
}
