using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>
/// A mistake in the configuration is an error at its place, never silence: the real <c>scriptable</c> with a
/// JSON file and <c>SCRIPTABLE_</c> variables (set for the child only), through <c>check</c> and <c>serve</c>.
/// </summary>
public sealed class ConfigurationCheckTests : IDisposable
{
    private readonly TempFolder _folder = TempFolder.WithExampleZone(("example.org/mail.csx", "return Answer.Address(\"192.0.2.25\");"));

    public void Dispose() => _folder.Dispose();

    /// <summary>JSON text (null: no file), variables, the text the error must contain.</summary>
    public static readonly TheoryData<string?, string, string> Mistakes = new()
    {
        // A misspelled key, top level and nested, at its line and column, with the near miss.
        { "{\n  \"UdpThread\": 2\n}", "", "scriptable.json(2,3): error: 'UdpThread' is not a setting (did you mean 'UdpThreads'?)." },
        { "{\n  \"Policy\": {\n    \"Trial\": { \"Questons\": 5 }\n  }\n}", "", "scriptable.json(3,16): error: 'Policy:Trial:Questons' is not a setting (did you mean 'Questions'?)." },
        { "{ \"Admin\": { \"Tokn\": \"secret\" } }", "", "scriptable.json(1,14): error: 'Admin:Tokn' is not a setting (did you mean 'Token'?)." },
        { "{ \"Health\": { \"Commands\": { \"Enable\": true } } }", "", "error: 'Health:Commands:Enable' is not a setting (did you mean 'Enabled'?)." },

        // A section that is no setting at all, and a single value given as an object.
        { "{ \"Clustr\": { \"Peers\": [ \"a\" ] } }", "", "scriptable.json(1,3): error: 'Clustr' is not a setting (did you mean 'Cluster'?)." },
        { "{ \"Cluster\": { \"Etcd\": [ \"http://127.0.0.1:2379\" ], \"Nodes\": \"ns1\" } }", "", "error: 'Cluster:Nodes' is not a setting (did you mean 'Node'?)." },
        { null, "SCRIPTABLE_Cluster__Etcd__0=127.0.0.1:2379", "Cluster:Etcd:0: '127.0.0.1:2379' is not an etcd client URL such as http://127.0.0.1:2379" },
        { null, "SCRIPTABLE_Cluster__Etcd__0=http://127.0.0.1:2379 SCRIPTABLE_Cluster__Nod=ns1", "environment variable SCRIPTABLE_Cluster__Nod: error: 'Cluster:Nod' is not a setting (did you mean 'Node'?)." },
        { "{ \"Nsid\": { \"x\": 1 } }", "", "scriptable.json(1,13): error: 'Nsid' is a single value; 'Nsid:x' is not a setting." },

        // A value that does not convert, and a file that is not JSON.
        { "{ \"UdpThreads\": \"two\" }", "", "scriptable.json(1,3): error: Failed to convert configuration value 'two' at 'UdpThreads'" },
        { "{\n  \"UdpThreads\": 2,\n  \"Nsid\": x\n}", "", "scriptable.json(3,11): error: the configuration is not valid JSON" },

        // Variables: named as set.
        { null, "SCRIPTABLE_RescanSecond=3", "environment variable SCRIPTABLE_RescanSecond: error: 'RescanSecond' is not a setting (did you mean 'RescanSeconds'?)." },
        { null, "SCRIPTABLE_Policy__Trial__Enable=false", "environment variable SCRIPTABLE_Policy__Trial__Enable: error: 'Policy:Trial:Enable' is not a setting (did you mean 'Enabled'?)." },
        { null, "SCRIPTABLE_UdpThreads=many", "environment variable SCRIPTABLE_UdpThreads: error: Failed to convert configuration value 'many'" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public async Task Check_ConfigurationMistake_Exit2_ErrorAtItsPlace(string? json, string variables, string expected)
    {
        var (exit, output) = await RunAsync(json, variables, "check", _folder.Path);

        Assert.True(exit == 2, output);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("ok: policy", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_MisspelledSetting_DoesNotStart_SaysWhere()
    {
        var (exit, output) = await RunAsync("{\n  \"Listen\": [ \"127.0.0.1:0\" ],\n  \"TcpIdleTimeoutSecond\": 5\n}", "", "serve", "--policies", _folder.Path);

        Assert.True(exit == 2, output);
        Assert.Contains("scriptable.json(3,3): error: 'TcpIdleTimeoutSecond' is not a setting (did you mean 'TcpIdleTimeoutSeconds'?).", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Listening on", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_CorrectSettingsAndTheProgramsOwnVariables_Accepted()
    {
        // Keys are case-insensitive, as the configuration system reads them; Logging is the host's section; SCRIPTABLE_BIN is the load scripts' own variable.
        var (exit, output) = await RunAsync("{ \"udpthreads\": 2, \"Policy\": { \"Trial\": { \"Questions\": 50 } }, \"Listen\": [ \"127.0.0.1:5353\" ], \"Logging\": { \"LogLevel\": { \"Default\": \"Warning\" } } }",
            "SCRIPTABLE_BIN=/usr/bin/true SCRIPTABLE_Admin__Listen=off SCRIPTABLE_Cluster__Etcd__0=http://127.0.0.1:2379 SCRIPTABLE_Cluster__Node=ns1", "check", _folder.Path);

        Assert.True(exit == 0, output);
        Assert.Contains("(trial: 50 questions", output, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output)> RunAsync(string? json, string variables, params string[] args)
    {
        if (json is not null)
        {
            File.WriteAllText(Path.Combine(_folder.Path, "scriptable.json"), json);
        }

        var environment = new Dictionary<string, string>();
        foreach (var pair in variables.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            environment[pair[..pair.IndexOf('=', StringComparison.Ordinal)]] = pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..];
        }

        await using var process = ServerProcess.Start(_folder.Path, environment, args);
        Assert.True(await process.WaitForExitAsync(180000), process.Output);
        return (process.ExitCode, process.Output.ReplaceLineEndings("\n"));
    }
}
