using Scriptable.Engine.Dnssec;
using Scriptable.Engine.Local;
using Scriptable.Engine.Protocol;
using Scriptable.Server.Cli;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests.Dnssec;

/// <summary><c>scriptable query --dnssec</c> signs as the server does and says whether each RRSIG validates against the zone's key, and why not.</summary>
public sealed class QueryDnssecTests : IDisposable
{
    private readonly TempFolder _policies = TempFolder.WithExampleZone();
    private readonly string _keys;
    private readonly DnssecKey _key = DnssecKey.Create(DnsName.Parse("example.org."), DnssecKey.KskFlags);

    public QueryDnssecTests()
    {
        _keys = _policies.Path + ".keys";
        KeyFolder.Write(_keys, _key, DateTimeOffset.UtcNow);
    }

    public void Dispose()
    {
        _key.Dispose();
        _policies.Dispose();
        Directory.Delete(_keys, recursive: true);
    }

    private (int Exit, string Output, string Errors) Query(string name, string type, bool dnssec, string? time = null)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var question = new LocalQuestion(name, type) { DnssecOk = dnssec, Time = time is null ? null : DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture) };
        var exit = QueryCommand.Run(_policies.Path, question, [], null, output, errors, null, _keys);
        return (exit, output.ToString().ReplaceLineEndings("\n"), errors.ToString());
    }

    [Fact]
    public void Dnssec_EachRrsigSaysItValidates()
    {
        var (exit, output, errors) = Query("www.example.org", "A", dnssec: true);
        Assert.Equal(0, exit);
        Assert.Equal("", errors);
        Assert.Contains($";; DNSSEC:\n;; RRSIG A www.example.org. key {_key.Tag}: validates\n", output, StringComparison.Ordinal);

        var (_, negative, _) = Query("nothing.example.org", "A", dnssec: true);
        Assert.Contains($";; RRSIG SOA example.org. key {_key.Tag}: validates\n;; RRSIG NSEC nothing.example.org. key {_key.Tag}: validates\n", negative, StringComparison.Ordinal);
        Assert.Contains("status: NOERROR", negative, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutDnssec_NoSignatures()
    {
        var (_, output, _) = Query("www.example.org", "A", dnssec: false);
        Assert.DoesNotContain("RRSIG", output, StringComparison.Ordinal);
        Assert.DoesNotContain(";; DNSSEC:", output, StringComparison.Ordinal);
    }
}
