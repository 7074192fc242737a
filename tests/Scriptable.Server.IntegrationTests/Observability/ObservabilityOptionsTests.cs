using Microsoft.Extensions.Configuration;
using Scriptable.Server.Configuration;
using Scriptable.Server.Observability.Dnstap;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests.Observability;

/// <summary>The <c>Dnstap</c> and <c>QueryLog</c> sections: misspelled keys and values out of range are errors.</summary>
public sealed class ObservabilityOptionsTests
{
    [Theory]
    [InlineData("{ \"Dnstap\": { \"Sockett\": \"unix:/run/dnstap.sock\" } }", "scriptable.json(1,15): error: 'Dnstap:Sockett' is not a setting (did you mean 'Socket'?).")]
    [InlineData("{ \"QueryLog\": { \"SampleEvry\": 10 } }", "scriptable.json(1,17): error: 'QueryLog:SampleEvry' is not a setting (did you mean 'SampleEvery'?).")]
    [InlineData("{ \"QueryLog\": { \"Enabled\": \"yes\" } }", "error: Failed to convert configuration value 'yes' at 'QueryLog:Enabled'")]
    public void Bind_Mistake_ErrorAtItsPlace(string json, string expected)
    {
        using var folder = new TempFolder();
        var file = folder.Write("scriptable.json", json);
        var configuration = new ConfigurationBuilder().SetBasePath(folder.Path).AddJsonFile("scriptable.json").Build();
        var errors = new List<string>();

        Assert.Null(ConfigurationCheck.Bind(configuration, errors));
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith(file, StringComparison.Ordinal) || e.Contains("scriptable.json", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("unix:/run/scriptable/dnstap.sock", "unix:/run/scriptable/dnstap.sock")]
    [InlineData("tcp:127.0.0.1:6000", "tcp:127.0.0.1:6000")]
    [InlineData("tcp:[::1]:6000", "tcp:[::1]:6000")]
    [InlineData("file:/var/log/scriptable.dnstap", "file:/var/log/scriptable.dnstap")]
    [InlineData("unix:run/dnstap.sock", "needs an absolute path after 'unix:'")]
    [InlineData("tcp:127.0.0.1", "needs an address and a port after 'tcp:'")]
    [InlineData("tcp:localhost:6000", "needs an address and a port after 'tcp:'")]
    [InlineData("/run/dnstap.sock", "is not unix:/path, tcp:address:port or file:/path")]
    public void DnstapDestination_Parse(string text, string expected)
    {
        var parsed = DnstapDestination.TryParse(text, out var destination, out var error);

        Assert.Contains(expected, parsed ? destination!.ToString() : error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("queue", "Dnstap:QueueSize must be between 1 and 1000000 (got 0)")]
    [InlineData("nothing", "Dnstap:Queries and Dnstap:Responses are both false: nothing would be sent; set one of them, or leave Dnstap:Socket empty")]
    [InlineData("socket", "Dnstap:Socket: 'udp:127.0.0.1:6000' is not unix:/path, tcp:address:port or file:/path")]
    [InlineData("class", "QueryLog:Classes: 'errors' is not a class: success, denial, error or all")]
    [InlineData("sample", "QueryLog:SampleEvery must be between 1 (every query) and 1000000 (got 0)")]
    [InlineData("output", "QueryLog:Output: 'queries.log' is neither stdout nor an absolute file path")]
    public void Validate_Mistake_Error(string mistake, string expected)
    {
        var options = new ServerOptions { StateDirectory = "/tmp/x", Dnstap = { Socket = "unix:/run/dnstap.sock" } };
        switch (mistake)
        {
            case "queue": options.Dnstap.QueueSize = 0; break;
            case "nothing": options.Dnstap.Queries = options.Dnstap.Responses = false; break;
            case "socket": options.Dnstap.Socket = "udp:127.0.0.1:6000"; break;
            case "class": options.QueryLog.Classes = ["denial", "errors"]; break;
            case "sample": options.QueryLog.SampleEvery = 0; break;
            case "output": options.QueryLog.Output = "queries.log"; break;
        }

        Assert.Equal([expected], options.Validate());
    }

    [Fact]
    public void Validate_Defaults_BothOff()
    {
        var options = new ServerOptions { StateDirectory = "/tmp/x" };

        Assert.False(options.Dnstap.Enabled);
        Assert.False(options.QueryLog.Enabled);
        Assert.Empty(options.Validate());
    }
}
