using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scriptable.Engine.Policies.Compilation;
using Scriptable.Policies;

namespace Scriptable.Server.Cli;

/// <summary>
/// <c>scriptable editor [FOLDER]</c>: sets a policies folder up for an editor's C# script support (VS Code with the
/// C# extension in OmniSharp mode, or any OmniSharp client), so that <c>ctx</c>, <c>Answer</c> and <c>Pool</c> have
/// completion, go-to-definition and errors as the server sees them. It writes
/// <list type="bullet">
/// <item><c>.scriptable/Scriptable.Engine.dll</c>: the policy API this server compiles policies against;</item>
/// <item><c>.scriptable/policies.rsp</c>: that reference and the imports every policy gets, plus
/// <c>Scriptable.Policies.Editor.EditorGlobals</c>, where the editor finds <c>ctx</c>;</item>
/// <item><c>omnisharp.json</c>: C# scripts on, .NET 10, the response file (an existing file is updated, not replaced);</item>
/// <item><c>.vscode/settings.json</c>, when there is none: the C# extension in OmniSharp mode (C# Dev Kit does not
/// read <c>.csx</c>).</item>
/// </list>
/// Idempotent; run it again after upgrading the server. The editor's view is not the server's last word: the
/// sandbox and the budget are checked by <c>scriptable check</c>.
/// </summary>
internal static class EditorCommand
{
    /// <summary>The folder, inside the policies folder, that holds what the editor reads.</summary>
    public const string StateFolder = ".scriptable";

    /// <summary>The response file's name in <see cref="StateFolder"/>.</summary>
    public const string ResponseFile = "policies.rsp";

    public static Command Create()
    {
        var folder = new Argument<string?>("folder")
        {
            Description = "The policies folder to set up. Default: the configured one, else ./policies, else the current folder if it holds zones.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("editor", "Set a policies folder up for an editor (OmniSharp / VS Code): completion and errors on .csx policies.")
        {
            folder,
        };
        command.SetAction(parse =>
        {
            var options = ToolConfiguration.Load(null, Console.Error);
            if (options is null)
            {
                return 2;
            }

            if (DefaultFolder.For(parse.GetValue(folder), options, "editor", Console.Error) is not { } given)
            {
                return 2;
            }

            if (!Directory.Exists(given))
            {
                Console.Error.WriteLine($"scriptable editor: '{given}' is not a folder");
                return 2;
            }

            try
            {
                Run(given, Console.Out);
                return 0;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
            {
                Console.Error.WriteLine($"scriptable editor: {ex.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>Writes the editor's files into <paramref name="folder"/>.</summary>
    public static void Run(string folder, TextWriter output)
    {
        var root = Path.GetFullPath(folder);
        var state = Directory.CreateDirectory(Path.Combine(root, StateFolder)).FullName;

        var engine = Path.Combine(state, "Scriptable.Engine.dll");
        File.WriteAllBytes(engine, EngineImage());

        var rsp = new StringBuilder()
            .Append("# Written by 'scriptable editor': what policies compile against, for the editor. Run it again after an upgrade.\n")
            .Append("/r:\"").Append(engine).Append("\"\n");
        foreach (var ns in PolicySourceBuilder.DefaultUsings)
        {
            rsp.Append("/u:").Append(ns).Append('\n');
        }

        rsp.Append("/u:").Append(typeof(Scriptable.Policies.Editor.EditorGlobals).FullName).Append('\n');
        File.WriteAllText(Path.Combine(state, ResponseFile), rsp.ToString());

        var omnisharp = Path.Combine(root, "omnisharp.json");
        var config = File.Exists(omnisharp) ? JsonNode.Parse(File.ReadAllText(omnisharp)) as JsonObject ?? [] : [];
        var script = config["script"] as JsonObject ?? [];
        script["enabled"] = true;
        script["defaultTargetFramework"] = "net10.0";
        script["enableScriptNuGetReferences"] = false;
        script["rspFilePath"] = StateFolder + "/" + ResponseFile;
        config["script"] = script;
        File.WriteAllText(omnisharp, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

        var settings = Path.Combine(root, ".vscode", "settings.json");
        var wroteSettings = !File.Exists(settings);
        if (wroteSettings)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(settings)!);
            File.WriteAllText(settings, "{\n  \"dotnet.server.useOmnisharp\": true\n}\n");
        }

        output.WriteLine($"wrote {Path.Combine(StateFolder, "Scriptable.Engine.dll")}, {Path.Combine(StateFolder, ResponseFile)} and omnisharp.json in {root}");
        output.WriteLine(wroteSettings
            ? "wrote .vscode/settings.json: the C# extension in OmniSharp mode (C# Dev Kit does not read .csx)"
            : "left .vscode/settings.json as it is: it needs \"dotnet.server.useOmnisharp\": true (C# Dev Kit does not read .csx)");
        output.WriteLine($"open the folder in VS Code; keep {StateFolder}/ out of version control (it holds this machine's paths)");
    }

    /// <summary>The policy API assembly's bytes: its file, or (a single-file program) the image it was loaded from.</summary>
    private static byte[] EngineImage()
    {
        var assembly = typeof(PolicyContext).Assembly;
        if (!string.IsNullOrEmpty(assembly.Location))
        {
            return File.ReadAllBytes(assembly.Location);
        }

        throw new IOException("this build of scriptable has no engine assembly on disk (single-file): run 'scriptable editor' from the SDK build (scripts/scriptable in a checkout)");
    }
}
