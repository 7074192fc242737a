using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Scriptable.Engine.Fixtures;
using Scriptable.Engine.Local;
using Scriptable.Engine.Policies;
using Scriptable.Server.Configuration;

namespace Scriptable.Server.Cli;

/// <summary>
/// <c>scriptable test [DIR...]</c>: loads each policies folder as the server would, runs every case of its
/// <c>*.fixtures.yaml</c> in-process, and prints one line per failing case (<c>file:line</c>, then the diff),
/// the policies no case reaches, and a summary; exit code 0 when everything passes, 1 otherwise.
/// </summary>
internal static class TestCommand
{
    public static Command Create()
    {
        var folders = new Argument<string[]>("folder")
        {
            Description = "Policies folders, or folders holding them (examples/ holds one per example). Default: the configured one, else ./policies, else the current folder if it holds zones.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var filter = new Option<string?>("--filter", "-f")
        {
            Description = "Run only the cases whose name or file contains this text (any case).",
        };
        var junit = new Option<string?>("--junit")
        {
            Description = "Also write a JUnit XML report to this file, for CI.",
        };
        var geo = new Option<string[]>("--geo")
        {
            Description = "A geo database (.mmdb) consulted before the folder's _geo/, repeatable (as for serve).",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var config = new Option<string?>("--config", "-c")
        {
            Description = "A JSON configuration file whose Policy and Geo sections apply (default: ./scriptable.json if present).",
        };
        var strict = new Option<bool>("--strict")
        {
            Description = "Fail (exit 1) when a policy has no case, and on warnings of fixture files.",
        };
        var verbose = new Option<bool>("--verbose", "-v")
        {
            Description = "Print every case, not only failures.",
        };
        var command = new Command("test", "Run the fixture cases (*.fixtures.yaml) of policies folders in-process; exit 1 if any fails.")
        {
            folders, filter, junit, geo, config, strict, verbose,
        };
        command.SetAction(parse =>
        {
            var options = ToolConfiguration.Load(parse.GetValue(config), Console.Error);
            if (options is null)
            {
                return 2;
            }

            string[] given;
            if (parse.GetValue(folders) is { Length: > 0 } list)
            {
                given = list;
            }
            else if (DefaultFolder.For(null, options, "test", Console.Error) is { } found)
            {
                given = [found];
            }
            else
            {
                return 2;
            }

            var settings = new Settings(
                parse.GetValue(filter),
                parse.GetValue(junit),
                [.. parse.GetValue(geo) ?? [], .. options.Geo.Databases],
                options.Policy.ToOptions(),
                parse.GetValue(strict),
                parse.GetValue(verbose),
                options);
            return Run(given, settings, Console.Out, Console.Error);
        });
        return command;
    }

    /// <summary>What to run and how.</summary>
    public sealed record Settings(string? Filter, string? JUnit, IReadOnlyList<string> Geo, PolicyOptions? PolicyOptions, bool Strict, bool Verbose, ServerOptions? Server = null);

    /// <summary>Runs the folders' fixtures, writes the report; returns the exit code (0 pass, 1 fail, 2 usage).</summary>
    public static int Run(IReadOnlyList<string> given, Settings settings, TextWriter output, TextWriter errors)
    {
        var clock = Stopwatch.StartNew();
        var folders = new List<string>();
        foreach (var path in given)
        {
            if (!Directory.Exists(path))
            {
                errors.WriteLine($"scriptable: '{path}' is not a folder");
                return 2;
            }

            var found = FixtureSuite.FindFolders(path);
            if (found.Count == 0)
            {
                errors.WriteLine($"scriptable: '{path}' holds no policies folder (a folder with <zone>/<zone>.zone)");
                return 2;
            }

            folders.AddRange(found);
        }

        Func<FixtureCase, bool>? filter = settings.Filter is { Length: > 0 } text
            ? c => c.Name.Contains(text, StringComparison.OrdinalIgnoreCase) || c.File.Contains(text, StringComparison.OrdinalIgnoreCase)
            : null;
        var runs = new List<FixtureRun>();
        var failed = false;
        var files = 0;
        var uncovered = 0;
        var load = TimeSpan.Zero;
        var running = TimeSpan.Zero;
        foreach (var folder in folders)
        {
            using var suite = FixtureSuite.Load(folder, settings.Geo, settings.PolicyOptions, settings.Server?.ToFolderOptions(folder));
            load += suite.LoadTime;
            files += suite.Files.Count;
            foreach (var error in suite.LoadErrors)
            {
                errors.WriteLine(error);
            }

            foreach (var file in suite.Files)
            {
                foreach (var diagnostic in file.Diagnostics)
                {
                    errors.WriteLine(diagnostic);
                    failed |= diagnostic.IsError || settings.Strict;
                }
            }

            var run = suite.Run(filter);
            running += run.RunTime;
            runs.Add(run);
            failed |= !run.Succeeded;
            foreach (var outcome in run.Outcomes)
            {
                if (outcome.Status == FixtureStatus.Failed || settings.Verbose)
                {
                    output.WriteLine(outcome);
                }
            }

            if (suite.Files.Count == 0 && suite.Server is not null)
            {
                output.WriteLine($"{ShownPath.Of(folder)}: no fixture files (*{FixtureFile.Suffix}): nothing of it is tested");
            }

            foreach (var policy in run.Uncovered)
            {
                output.WriteLine($"{policy}: no case is answered by this policy");
                uncovered++;
            }
        }

        failed |= settings.Strict && uncovered > 0;
        if (settings.Filter is { Length: > 0 } asked && runs.Sum(r => r.Outcomes.Count) == 0)
        {
            // A filter that selects nothing is a typo, not a pass.
            errors.WriteLine($"scriptable test: error: --filter '{asked}' matches no case (of {runs.Sum(r => r.Suite.Cases.Count())}; it is compared with each case's words and file, in any letter case)");
            failed = true;
        }

        if (settings.JUnit is { } report)
        {
            try
            {
                JUnitReport.Write(report, runs);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.WriteLine($"scriptable: cannot write the JUnit report '{report}': {ex.Message}");
                failed = true;
            }
        }

        var passed = runs.Sum(r => r.Passed);
        var failures = runs.Sum(r => r.Failed);
        var skipped = runs.Sum(r => r.Skipped);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(failed ? "FAILED" : "passed")}: {passed} passed, {failures} failed, {skipped} skipped; {folders.Count} folder{(folders.Count == 1 ? "" : "s")}, {files} fixture file{(files == 1 ? "" : "s")}, {uncovered} polic{(uncovered == 1 ? "y" : "ies")} without cases "
            + $"({clock.Elapsed.TotalSeconds:0.00} s: loading {load.TotalSeconds:0.00} s, running {running.TotalSeconds:0.000} s)"));
        return failed ? 1 : 0;
    }
}
