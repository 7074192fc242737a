using System.Globalization;
using System.Text.RegularExpressions;
using Scriptable.TestCommon;

namespace Scriptable.Server.IntegrationTests;

/// <summary>The client's view: real <c>dig</c> and <c>kdig</c> against the running server.</summary>
public sealed partial class DigTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartExampleAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    private async Task<DigResult> Dig(params string[] args)
    {
        var (exit, output, error) = await ExternalTool.RunAsync("dig", ["@127.0.0.1", "-p", _server.Port.ToString(CultureInfo.InvariantCulture), "+norec", "+time=2", "+tries=1", .. args]);
        Assert.True(exit == 0, $"dig failed ({exit}): {error}{output}");
        return DigResult.Parse(output);
    }

    private async Task<DigResult> Kdig(params string[] args)
    {
        var (exit, output, error) = await ExternalTool.RunAsync("kdig", ["@127.0.0.1", "-p", _server.Port.ToString(CultureInfo.InvariantCulture), "+norec", "+timeout=2", "+retry=0", .. args]);
        Assert.True(exit == 0, $"kdig failed ({exit}): {error}{output}");
        return DigResult.Parse(output);
    }

    [Fact]
    public async Task Dig_Positive_AuthoritativeAnswer()
    {
        var result = await Dig("www.example.org", "A");
        Assert.Equal("NOERROR", result.Status);
        Assert.Contains("aa", result.Flags);
        Assert.DoesNotContain("ra", result.Flags);
        Assert.Equal(["www.example.org. 300 IN A 192.0.2.1", "www.example.org. 300 IN A 192.0.2.2"], result.Answer.Order().ToList());
    }

    [Fact]
    public async Task Dig_NxDomain_SoaInAuthority()
    {
        var result = await Dig("nothing.example.org", "A");
        Assert.Equal("NXDOMAIN", result.Status);
        Assert.Equal(["example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 2024010101 3600 600 604800 300"], result.Authority);
    }

    [Fact]
    public async Task Dig_NoData_SoaInAuthority()
    {
        var result = await Dig("www.example.org", "TXT");
        Assert.Equal("NOERROR", result.Status);
        Assert.Empty(result.Answer);
        Assert.Single(result.Authority);
    }

    [Fact]
    public async Task Dig_OutOfZone_Refused()
    {
        var result = await Dig("www.example.net", "A");
        Assert.Equal("REFUSED", result.Status);
        Assert.DoesNotContain("aa", result.Flags);
    }

    [Fact]
    public async Task Dig_Any_Minimal()
    {
        var result = await Dig("example.org", "ANY");
        Assert.Equal("NOERROR", result.Status);
        Assert.All(result.Answer, line => Assert.Contains(" IN NS ", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dig_Tcp_Answered()
    {
        var result = await Dig("+tcp", "big.example.org", "TXT");
        Assert.Equal(6, result.Answer.Count);
        Assert.DoesNotContain("tc", result.Flags);
    }

    [Fact]
    public async Task Dig_Truncation_TcSetAndRetriedOverTcp()
    {
        var truncated = await Dig("+noedns", "+ignore", "big.example.org", "TXT");
        Assert.Contains("tc", truncated.Flags);
        Assert.Empty(truncated.Answer);
        var retried = await Dig("+noedns", "big.example.org", "TXT");
        Assert.Equal(6, retried.Answer.Count);
    }

    [Fact]
    public async Task Dig_Subnet_EchoedWithScopeZero()
    {
        var result = await Dig("+subnet=192.0.2.0/24", "www.example.org", "A");
        Assert.Contains("CLIENT-SUBNET: 192.0.2.0/24/0", result.Raw, StringComparison.Ordinal);
        Assert.Equal(2, result.Answer.Count);
    }

    [Fact]
    public async Task Dig_EdnsVersion1_BadVers()
    {
        var result = await Dig("+edns=1", "+noednsnegotiation", "www.example.org", "A");
        Assert.Equal("BADVERS", result.Status);
    }

    [Fact]
    public async Task Dig_MixedCaseQuestion_CasePreserved()
    {
        // kdig lowers the name it sends; dig sends it as typed, as 0x20-randomising resolvers do.
        var result = await Dig("WwW.ExAmPlE.OrG", "A");
        Assert.Equal("NOERROR", result.Status);
        Assert.All(result.Answer, line => Assert.StartsWith("WwW.ExAmPlE.OrG.", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kdig_SubnetIPv6_EchoedWithScopeZero()
    {
        var result = await Kdig("+subnet=2001:db8::/48", "www.example.org", "AAAA");
        Assert.Contains("CLIENT-SUBNET: 2001:db8::/48/0", result.Raw, StringComparison.Ordinal);
        Assert.Equal(["www.example.org. 300 IN AAAA 2001:db8::1"], result.Answer);
    }

    [Fact]
    public async Task Kdig_Tcp_Referral()
    {
        var result = await Kdig("+tcp", "www.sub.example.org", "A");
        Assert.Equal("NOERROR", result.Status);
        Assert.DoesNotContain("aa", result.Flags);
        Assert.Equal(2, result.Authority.Count);
        Assert.Equal(["ns.sub.example.org. 3600 IN A 192.0.2.200"], result.Additional);
    }

    [Fact]
    public async Task Kdig_Positive()
    {
        var result = await Kdig("www.example.org", "A");
        Assert.Equal("NOERROR", result.Status);
        Assert.Contains("aa", result.Flags);
        Assert.Equal(2, result.Answer.Count);
    }

    [Fact]
    public async Task Kdig_Nsid_NotSentWhenUnconfigured()
    {
        var result = await Kdig("+nsid", "www.example.org", "A");
        Assert.Equal("NOERROR", result.Status);
        Assert.DoesNotContain("NSID", result.Raw, StringComparison.Ordinal);
    }

    /// <summary>What dig and kdig print, reduced to what tests assert on.</summary>
    private sealed partial record DigResult(string Raw, string Status, IReadOnlyList<string> Flags, List<string> Answer, List<string> Authority, List<string> Additional)
    {
        public static DigResult Parse(string output)
        {
            var status = StatusPattern().Match(output).Groups[1].Value;
            var flags = FlagsPattern().Match(output).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            List<string> answer = [], authority = [], additional = [];
            List<string>? current = null;
            foreach (var raw in output.Split('\n'))
            {
                var line = raw.Trim();
                if (line.StartsWith(";; ANSWER SECTION", StringComparison.Ordinal))
                {
                    current = answer;
                }
                else if (line.StartsWith(";; AUTHORITY SECTION", StringComparison.Ordinal))
                {
                    current = authority;
                }
                else if (line.StartsWith(";; ADDITIONAL SECTION", StringComparison.Ordinal))
                {
                    current = additional;
                }
                else if (line.Length == 0 || line.StartsWith(';'))
                {
                    if (line.StartsWith(";;", StringComparison.Ordinal) && !line.Contains("PSEUDOSECTION", StringComparison.Ordinal) && current is not null && line.Length > 0)
                    {
                        current = null;
                    }
                }
                else if (current is not null && !line.Contains(" OPT ", StringComparison.Ordinal))
                {
                    current.Add(Whitespace().Replace(line, " "));
                }
            }

            return new DigResult(output, status, flags, answer, authority, additional);
        }

        [GeneratedRegex(@"status: (\w+)")]
        private static partial Regex StatusPattern();

        [GeneratedRegex(@"[Ff]lags: ([a-z ]*)[;]")]
        private static partial Regex FlagsPattern();

        [GeneratedRegex(@"\s+")]
        private static partial Regex Whitespace();
    }
}
