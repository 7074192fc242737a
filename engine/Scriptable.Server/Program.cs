using System.CommandLine;
using Scriptable.Server.Cli;

var common = new CommonOptions();
var root = new RootCommand("Scriptable: an authoritative DNS server whose answers are C# policies. With no command, serves.");
common.AddTo(root);
root.SetAction((parse, token) => ServeCommand.RunAsync(parse, common, token));
root.Add(ServeCommand.Create(new CommonOptions()));
root.Add(CheckCommand.Create());
root.Add(TestCommand.Create());
root.Add(QueryCommand.Create());
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0 && parsed.CommandResult.Command.Name is "test" or "query")
{
    // test and query run in scripts and CI, where exit 1 means "a case failed" or "the folder does not load":
    // a usage error is exit 2, one line per error, without the help text.
    foreach (var error in parsed.Errors)
    {
        Console.Error.WriteLine($"scriptable {parsed.CommandResult.Command.Name}: {error.Message}");
    }

    return 2;
}

return await parsed.InvokeAsync().ConfigureAwait(false);
