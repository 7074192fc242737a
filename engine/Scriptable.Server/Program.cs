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
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
