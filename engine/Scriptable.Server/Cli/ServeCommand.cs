using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scriptable.Server.Configuration;
using Scriptable.Server.Hosting;

namespace Scriptable.Server.Cli;

/// <summary><c>scriptable serve</c>: runs the server until Ctrl-C or SIGTERM.</summary>
internal static class ServeCommand
{
    /// <summary>The configuration file read when <c>--config</c> is not given.</summary>
    public const string DefaultConfigFile = "scriptable.json";

    /// <summary>Prefix of environment variables that configure the server (<c>SCRIPTABLE_Policies</c>).</summary>
    public const string EnvironmentPrefix = "SCRIPTABLE_";

    public static Command Create(CommonOptions options)
    {
        var command = new Command("serve", "Serve the zones and policies of a folder over DNS (UDP and TCP).");
        options.AddTo(command);
        command.SetAction((parse, token) => RunAsync(parse, options, token));
        return command;
    }

    public static async Task<int> RunAsync(ParseResult parse, CommonOptions cli, CancellationToken token)
    {
        var configFile = parse.GetValue(cli.Config);
        if (configFile is not null && !File.Exists(configFile))
        {
            await Console.Error.WriteLineAsync($"scriptable: configuration file '{configFile}' does not exist").ConfigureAwait(false);
            return 2;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        try
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile ?? DefaultConfigFile), optional: configFile is null, reloadOnChange: false);
        }
        catch (InvalidDataException ex)
        {
            await Console.Error.WriteLineAsync(ConfigurationCheck.SyntaxError(Path.GetFullPath(configFile ?? DefaultConfigFile), ex)).ConfigureAwait(false);
            return 2;
        }

        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);

        var configErrors = new List<string>();
        var options = ConfigurationCheck.Bind(builder.Configuration, configErrors);
        if (options is null)
        {
            foreach (var error in configErrors)
            {
                await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
            }

            return 2;
        }

        options.ConfigurationFile = Path.GetFullPath(configFile ?? DefaultConfigFile);
        var listenArgs = parse.GetValue(cli.Listen);
        if (listenArgs is { Length: > 0 })
        {
            options.Listen = [.. listenArgs];
        }

        var embedded = false;
        if (parse.GetValue(cli.Policies) is { } policiesArg)
        {
            options.Policies = policiesArg;
        }
        else if (DefaultFolder.Find(options) is { } found)
        {
            options.Policies = found;
        }
        else
        {
            options.Policies = EmbeddedPolicies.Extract();
            embedded = true;
        }

        var geoArgs = parse.GetValue(cli.Geo);
        if (geoArgs is { Length: > 0 })
        {
            options.Geo.Databases = [.. geoArgs];
        }

        foreach (var database in options.Geo.Databases)
        {
            if (!File.Exists(database))
            {
                await Console.Error.WriteLineAsync($"scriptable: geo database '{database}' does not exist").ConfigureAwait(false);
                return 2;
            }
        }

        options.Admin.Listen = parse.GetValue(cli.Admin) ?? options.Admin.Listen;
        options.UdpThreads = parse.GetValue(cli.UdpThreads) ?? options.UdpThreads;
        options.Nsid = parse.GetValue(cli.Nsid) ?? options.Nsid;
        if (options.Listen.Count == 0)
        {
            options.Listen.Add(ServerOptions.DefaultListen);
        }

        foreach (var invalid in options.Validate())
        {
            await Console.Error.WriteLineAsync("scriptable: " + invalid).ConfigureAwait(false);
        }

        if (options.Validate().Count > 0)
        {
            return 2;
        }

        var endPoints = new List<IPEndPoint>();
        foreach (var text in options.Listen)
        {
            if (!ListenAddress.TryParse(text, out var endPoint, out var error))
            {
                await Console.Error.WriteLineAsync("scriptable: " + error).ConfigureAwait(false);
                return 2;
            }

            endPoints.Add(endPoint);
        }

        if (!Directory.Exists(options.Policies))
        {
            await Console.Error.WriteLineAsync($"scriptable: policies folder '{options.Policies}' does not exist").ConfigureAwait(false);
            return 2;
        }

        var level = parse.GetValue(cli.LogLevel);
        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });

        // The host logs a failed start with the whole stack trace before it throws; the exception reaches the catch
        // below (a listen failure in one line) or ends the process with its trace (anything unexpected).
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        if (level is not null)
        {
            if (!Enum.TryParse<LogLevel>(level, ignoreCase: true, out var minimum))
            {
                await Console.Error.WriteLineAsync($"scriptable: '{level}' is not a log level (Trace, Debug, Information, Warning, Error)").ConfigureAwait(false);
                return 2;
            }

            builder.Logging.SetMinimumLevel(minimum);
        }

        builder.Services.AddServiceManager();
        builder.Services.AddSingleton(options);
        builder.Services.AddHostedService(sp => new DnsHostedService(options, endPoints, sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Scriptable");
        if (embedded)
        {
            logger.LogInformation("No ./policies folder here: serving the embedded default from '{Folder}'.", options.Policies);
        }
        else
        {
            logger.LogInformation("Serving the policies folder '{Folder}'.", Path.GetFullPath(options.Policies));
        }

        try
        {
            await host.RunAsync(token).ConfigureAwait(false);
        }
        catch (ListenFailedException ex)
        {
            // One line, no stack trace: the host's own "Hosting failed to start" log is filtered out above.
            logger.LogCritical("{Reason}", ex.Message);
            return 1;
        }

        return 0;
    }
}
