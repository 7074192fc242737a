using Scriptable.Engine.Fixtures;
using Scriptable.Server.Configuration;

namespace Scriptable.Server.Cli;

/// <summary>
/// The one rule <c>serve</c>, <c>check</c>, <c>test</c> and <c>query</c> follow for the policies folder when none is
/// named on the command line: the configuration's <c>Policies</c> when it names another folder than the default
/// (<c>scriptable.json</c>, <c>SCRIPTABLE_Policies</c>); else <c>./policies</c> when it exists; else the current
/// folder when it holds zone folders (<c>&lt;zone&gt;/&lt;zone&gt;.zone</c>); else nothing, and then <c>serve</c> and
/// <c>query</c> use the embedded default while <c>check</c> and <c>test</c> say there is nothing to check.
/// </summary>
internal static class DefaultFolder
{
    /// <summary>What <c>check</c>, <c>test</c> and <c>editor</c> say when <see cref="Find"/> finds nothing.</summary>
    public const string NoneHere = "no policies folder here: name one (a folder of <zone>/<zone>.zone folders), or run it where ./policies is";

    /// <summary>
    /// The folder a tool works on: <paramref name="named"/>, else the rule's; null after writing
    /// <c>scriptable COMMAND: no policies folder here...</c> (a usage error: exit 2).
    /// </summary>
    public static string? For(string? named, ServerOptions options, string command, TextWriter errors)
    {
        if ((named ?? Find(options)) is { } folder)
        {
            return folder;
        }

        errors.WriteLine($"scriptable {command}: {NoneHere}");
        return null;
    }

    /// <summary>The folder to use, or null when the rule finds none.</summary>
    public static string? Find(ServerOptions options)
    {
        if (options.Policies != new ServerOptions().Policies || Directory.Exists(options.Policies))
        {
            return options.Policies;
        }

        return FixtureSuite.IsPoliciesFolder(".") ? "." : null;
    }
}
