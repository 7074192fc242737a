using Scriptable.Engine.Local;
using Scriptable.Server.Cli;
using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;

namespace Scriptable.Server.IntegrationTests;

/// <summary><c>scriptable query</c>'s dig-like text, in-process.</summary>
public sealed class QueryCommandTextTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("scriptable-query-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// The CLIENT-SUBNET line shows the option the answer carries, as dig does, not the text asked: a subnet typed with
    /// host bits past its prefix (the README's 81.2.69.160/24) is sent, looked up and echoed as 81.2.69.0/24, which is
    /// what dig prints for the running server's answer (ThreeViewsAgreeTests found the two differing).
    /// </summary>
    [Theory]
    [InlineData("81.2.69.160/24", "81.2.69.0/24/24", "203.0.113.30")]
    [InlineData("81.2.69.160/27", "81.2.69.160/27/27", "198.51.100.20")]
    [InlineData("2a02:d180::1/29", "2a02:d180::/29/29", "198.51.100.20")]
    public void Query_EcsWithHostBits_ClientSubnetLineShowsTheAnswersOption(string ecs, string printed, string address)
    {
        var database = Path.Combine(_directory, "city.mmdb");
        TestGeo.CityTestLike().Write(database);
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exit = QueryCommand.Run(
            RepositoryPaths.Combine("examples", "geo-failover"),
            new LocalQuestion("www.example.com", "A") { Ecs = ecs },
            [database],
            null,
            output,
            errors);

        Assert.True(exit == 0, errors.ToString());
        Assert.Contains($"; CLIENT-SUBNET: {printed}\n", output.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Matches($@"www\.example\.com\.\s+30\s+IN\s+A\s+{address.Replace(".", @"\.", StringComparison.Ordinal)}", output.ToString());
    }

    [Fact]
    public void Query_NoEcs_NoClientSubnetLine()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exit = QueryCommand.Run(RepositoryPaths.Combine("examples", "geo-failover"), new LocalQuestion("www.example.com", "A"), [], null, output, errors);

        Assert.True(exit == 0, errors.ToString());
        Assert.DoesNotContain("CLIENT-SUBNET", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("; EDNS: version: 0", output.ToString(), StringComparison.Ordinal);
    }
}
