using System.CommandLine;

namespace Scriptable.Server.Cli;

/// <summary>Options shared by the root command (which serves) and <c>serve</c>.</summary>
internal sealed class CommonOptions
{
    public Option<string[]> Listen { get; } = new("--listen", "-l")
    {
        Description = "Address to serve DNS on, UDP and TCP (repeatable): 127.0.0.1:5300, [::1]:5300. Default: " + Configuration.ServerOptions.DefaultListen,
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> Policies { get; } = new("--policies", "-p")
    {
        Description = "The policies folder: one sub-folder per zone. Default: ./policies, or the embedded default if there is none.",
    };

    public Option<string?> Config { get; } = new("--config", "-c")
    {
        Description = "A JSON configuration file (default: ./scriptable.json if present).",
    };

    public Option<int?> UdpThreads { get; } = new("--udp-threads")
    {
        Description = "UDP receive loops per address (default: one per two cores, at least one).",
    };

    public Option<string?> LogLevel { get; } = new("--log-level")
    {
        Description = "Minimum log level: Trace, Debug, Information, Warning, Error.",
    };

    public Option<string[]> Geo { get; } = new("--geo")
    {
        Description = "A MaxMind-format geo database (.mmdb), repeatable, consulted in order; also every *.mmdb in the policies folder's _geo/.",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> Admin { get; } = new("--admin")
    {
        Description = "The admin HTTP endpoint's address (default " + Configuration.AdminConfig.DefaultListen + "), or 'off'.",
    };

    public Option<string?> Nsid { get; } = new("--nsid")
    {
        Description = "Name server identifier returned to NSID queries (RFC 5001).",
    };

    public void AddTo(Command command)
    {
        command.Add(Listen);
        command.Add(Policies);
        command.Add(Config);
        command.Add(UdpThreads);
        command.Add(LogLevel);
        command.Add(Nsid);
        command.Add(Geo);
        command.Add(Admin);
    }
}
