using Scriptable.Engine.Fixtures;
using Scriptable.TestCommon;
using Scriptable.Testing.Xunit;

namespace Scriptable.Policies.Tests;

/// <summary>
/// Every case of every fixture file of the repository (the default <c>policies/</c> and each example) as its
/// own xunit test, through the adapter users reference; and the adapter itself.
/// </summary>
public class FixtureCasesTests
{
    [Theory]
    [PolicyFixtures("policies")]
    [PolicyFixtures("examples")]
    public void Case(PolicyFixture fixture) => fixture.Run();

    [Fact]
    public void EveryPolicyOfTheRepository_IsReachedByACase()
    {
        foreach (var root in new[] { "policies", "examples" })
        {
            foreach (var folder in FixtureSuite.FindFolders(DefaultPoliciesTests.RepositoryPath(root)))
            {
                using var suite = FixtureSuite.Load(folder);
                var run = suite.Run();
                Assert.True(run.Succeeded, $"{folder}: {string.Join("; ", suite.LoadErrors)} {string.Join("\n", run.Outcomes.Where(o => o.Status != FixtureStatus.Passed))}");
                Assert.True(run.Uncovered.Count == 0, $"{folder}: policies without cases: {string.Join(", ", run.Uncovered)}");
            }
        }
    }

    [Fact]
    public void Adapter_GivesOneRowPerCase_AndAFailingCaseThrowsTheDiff()
    {
        using var temp = new TempFolder();
        temp.Write("example.com/example.com.zone", "$ORIGIN example.com.\n@ 3600 IN SOA ns1 h 1 3600 600 604800 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n");
        temp.Write("example.com/www.csx", "return Answer.Address(\"192.0.2.10\").WithTtl(30);\n");
        temp.Write("example.com/www.fixtures.yaml", """
            cases:
              - case: right
                expect: { answer: [A 192.0.2.10] }
              - case: wrong
                expect: { answer: [A 192.0.2.99] }
            """);

        var rows = new PolicyFixturesAttribute(temp.Path).GetData(typeof(FixtureCasesTests).GetMethod(nameof(Case))!).ToList();

        Assert.Equal(2, rows.Count);
        var right = (PolicyFixture)rows[0][0];
        var wrong = (PolicyFixture)rows[1][0];
        Assert.Equal("right", right.Name);
        Assert.EndsWith("www.fixtures.yaml:2: right", right.ToString(), StringComparison.Ordinal);
        right.Run();
        var failure = Assert.Throws<FixtureFailedException>(wrong.Run);
        Assert.Contains("FAIL 'wrong'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("  - A 192.0.2.99", failure.Message, StringComparison.Ordinal);
        Assert.Contains("  + www.example.com. 30 IN A 192.0.2.10", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adapter_AFolderThatDoesNotLoad_IsAFailingRow()
    {
        using var temp = new TempFolder();
        temp.Write("example.com/example.com.zone", "$ORIGIN example.com.\n@ 3600 IN SOA ns1 h 1 3600 600 604800 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n");
        temp.Write("example.com/www.csx", "return Answer.Address(\"192.0.2.10\") // no semicolon\n");
        temp.Write("example.com/www.fixtures.yaml", "cases:\n  - case: anything\n    expect: { rcode: NOERROR }\n");

        var rows = new PolicyFixturesAttribute(temp.Path).GetData(typeof(FixtureCasesTests).GetMethod(nameof(Case))!).ToList();

        var failures = rows.Select(r => Assert.Throws<FixtureFailedException>(((PolicyFixture)r[0]).Run)).ToList();
        Assert.NotEmpty(failures);
        Assert.All(failures, f => Assert.Contains("www.csx(1,", f.Message, StringComparison.Ordinal));
    }
}
