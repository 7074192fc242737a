using Microsoft.Extensions.Configuration;
using Scriptable.Server.Configuration;

namespace Scriptable.Server.IntegrationTests;

/// <summary>The <c>Tsig</c> and <c>Zones</c> sections: every mistake is an error naming the setting; <c>scriptable check</c> reports them.</summary>
public sealed class TransferOptionsTests
{
    private const string Secret = "q83vRzUytsrm6Tu56WrmGRUBjZVQ+EhZ+Fz2kYU4WJk=";

    [Theory]
    [InlineData("xfr-key", "hmac-sha256", Secret, "192.0.2.0/24 key:xfr-key", "192.0.2.7:5301 key:xfr-key", null)]
    [InlineData("xfr-key", "hmac-sha512", Secret, "key:XFR-KEY", "192.0.2.7", null)]
    [InlineData("xfr-key", "hmac-md5", Secret, "192.0.2.0/24", "192.0.2.7", "Tsig:Keys:0:Algorithm: 'hmac-md5' is not a TSIG algorithm: use hmac-sha256, hmac-sha512, hmac-sha1")]
    [InlineData("xfr-key", "hmac-sha256", "not base64!", "192.0.2.0/24", "192.0.2.7", "Tsig:Keys:0:Secret: the secret of key 'xfr-key' is not base64")]
    [InlineData("xfr-key", "hmac-sha256", "c2hvcnQ=", "192.0.2.0/24", "192.0.2.7", "has 5 octets; use at least 16")]
    [InlineData("", "hmac-sha256", Secret, "192.0.2.0/24", "192.0.2.7", "Tsig:Keys:0:Name: '' is not a key name")]
    [InlineData("xfr-key", "hmac-sha256", Secret, "key:xfr-kye", "192.0.2.7", "Zones:example.org:Transfer:Allow:0: no TSIG key is named 'xfr-kye' (Tsig:Keys holds xfr-key)")]
    [InlineData("xfr-key", "hmac-sha256", Secret, "192.0.2.0/40", "192.0.2.7", "Zones:example.org:Transfer:Allow:0: '192.0.2.0/40' is not an address or a network")]
    [InlineData("xfr-key", "hmac-sha256", Secret, "192.0.2.0/24", "192.0.2.7 key:other", "Zones:example.org:Transfer:Notify:0: no TSIG key is named 'other'")]
    [InlineData("xfr-key", "hmac-sha256", Secret, "192.0.2.0/24", "secondary.example.org", "Zones:example.org:Transfer:Notify:0: 'secondary.example.org' is not an address")]
    public void Validate_TransferSettings_ErrorNamesTheSetting(string name, string algorithm, string secret, string allow, string notify, string? error)
    {
        var options = new ServerOptions { StateDirectory = "/tmp/scriptable-transfer-options" };
        options.Tsig.Keys.Add(new TsigKeyConfig { Name = name, Algorithm = algorithm, Secret = secret });
        options.Zones["example.org"] = new ZoneOptions { Transfer = { Allow = [allow], Notify = [notify] } };

        var errors = options.Validate();

        if (error is null)
        {
            Assert.Empty(errors);
            Assert.NotNull(options.ToTransferSettings().Keys.Find("xfr-key"));
        }
        else
        {
            Assert.Contains(errors, e => e.Contains(error, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Keygen_PrintsAKeyTheConfigurationAccepts()
    {
        using var output = new StringWriter();
        Assert.Equal(0, Cli.TsigCommand.Keygen("transfer.example.org.", "hmac-sha512", output, TextWriter.Null));

        var text = output.ToString();
        var json = text.Split('\n').Single(l => l.StartsWith("{ \"Tsig\"", StringComparison.Ordinal));
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();
        var errors = new List<string>();
        var options = ConfigurationCheck.Bind(configuration, errors)!;
        Assert.Empty(errors);
        options.StateDirectory = "/tmp/scriptable-transfer-options";
        Assert.Empty(options.Validate());
        var key = options.ToTransferSettings().Keys.Find("transfer.example.org")!;
        Assert.Equal(64, key.Secret.Length);
        Assert.Contains("key \"transfer.example.org\" {", text, StringComparison.Ordinal);
        Assert.Contains("algorithm hmac-sha512;", text, StringComparison.Ordinal);
        Assert.Contains($"secret \"{Convert.ToBase64String(key.Secret)}\";", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("xfr-key", "hmac-md5", "'hmac-md5' is not a TSIG algorithm")]
    [InlineData("bad..name", "hmac-sha256", "'bad..name' is not a key name")]
    public void Keygen_BadArguments_OneLineAndExitTwo(string name, string algorithm, string error)
    {
        using var errors = new StringWriter();
        Assert.Equal(2, Cli.TsigCommand.Keygen(name, algorithm, TextWriter.Null, errors));
        Assert.Contains(error, errors.ToString(), StringComparison.Ordinal);
    }
}
