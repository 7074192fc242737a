using System.CommandLine;
using Scriptable.Engine.Trial;
using Scriptable.Server.Cli;

if (args is [TrialWorker.Verb])
{
    // A trial process of a running server: one request on standard input, one answer on standard output; the
    // policies it tries run on a thread with the big stack of policy threads.
    var code = 0;
    var trial = new Thread(() => code = TrialWorker.Run(Console.OpenStandardInput(), Console.OpenStandardOutput()), Scriptable.Engine.Policies.PolicyThreads.StackBytes) { Name = "trial" };
    trial.Start();
    trial.Join();
    return code;
}

if (args is [Scriptable.Engine.Isolation.PolicyWorker.Verb])
{
    // A policy worker of a running server: messages on standard input, answers on standard output, until the server
    // closes them. Policies run on this thread, with the big stack of policy threads.
    var served = 0;
    var serving = new Thread(() => served = Scriptable.Engine.Isolation.PolicyWorker.Run(), Scriptable.Engine.Policies.PolicyThreads.StackBytes) { Name = "policy-worker" };
    serving.Start();
    serving.Join();
    return served;
}

if (SandboxedRun.Applies(args))
{
    // check, test and query run policy code: in a watched child, so that a policy cannot take this process with it.
    return SandboxedRun.Run(args);
}

var common = new CommonOptions();
var root = new RootCommand("Scriptable: an authoritative DNS server whose answers are C# policies. With no command, serves.");
common.AddTo(root);
root.SetAction((parse, token) => ServeCommand.RunAsync(parse, common, token));
root.Add(ServeCommand.Create(new CommonOptions()));
root.Add(CheckCommand.Create());
root.Add(TestCommand.Create());
root.Add(QueryCommand.Create());
root.Add(EditorCommand.Create());
root.Add(DnssecCommand.Create());
root.Add(TsigCommand.Create());
root.Add(ClusterCommand.Create());
var parsed = root.Parse(args);
if (UsageErrors.Report(parsed, Console.Error))
{
    return UsageErrors.ExitCode;
}

// The commands run policies on this thread (query, test, check): it gets the big stack of policy threads
// (PolicyThreads), as the server's receive threads do; the main thread's stack is whatever ulimit -s says.
var exit = 0;
var worker = new Thread(() => exit = parsed.InvokeAsync().GetAwaiter().GetResult(), Scriptable.Engine.Policies.PolicyThreads.StackBytes) { Name = "scriptable" };
worker.Start();
worker.Join();
return exit;
