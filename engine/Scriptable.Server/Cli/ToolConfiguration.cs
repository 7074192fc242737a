using Microsoft.Extensions.Configuration;
using Scriptable.Server.Configuration;

namespace Scriptable.Server.Cli;

/// <summary>
/// The configuration the tools (<c>check</c>, <c>test</c>, <c>query</c>) honour, read as <c>serve</c> reads it:
/// the JSON file (<c>--config</c>, or <c>./scriptable.json</c> if present) and <c>SCRIPTABLE_</c> variables, so that
/// a folder is compiled with the same policy globs, defaults and geo databases as when it is served.
/// </summary>
internal static class ToolConfiguration
{
    /// <summary>The options, or null after writing why they are wrong.</summary>
    public static ServerOptions? Load(string? file, TextWriter errors)
    {
        if (file is not null && !File.Exists(file))
        {
            errors.WriteLine($"scriptable: configuration file '{file}' does not exist");
            return null;
        }

        ServerOptions? options;
        var problems = new List<string>();
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddJsonFile(Path.GetFullPath(file ?? ServeCommand.DefaultConfigFile), optional: file is null)
                .AddEnvironmentVariables(ServeCommand.EnvironmentPrefix)
                .Build();
            options = ConfigurationCheck.Bind(configuration, problems);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or InvalidOperationException)
        {
            errors.WriteLine(ConfigurationCheck.SyntaxError(Path.GetFullPath(file ?? ServeCommand.DefaultConfigFile), ex));
            return null;
        }

        if (options is null)
        {
            foreach (var problem in problems)
            {
                errors.WriteLine(problem);
            }

            return null;
        }

        options.ConfigurationFile = Path.GetFullPath(file ?? ServeCommand.DefaultConfigFile);
        var invalid = options.Validate();
        foreach (var line in invalid)
        {
            errors.WriteLine("scriptable: " + line);
        }

        return invalid.Count > 0 ? null : options;
    }
}
