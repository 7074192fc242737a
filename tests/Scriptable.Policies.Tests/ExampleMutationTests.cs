using Scriptable.Engine.Fixtures;
using Scriptable.TestCommon;

namespace Scriptable.Policies.Tests;

/// <summary>
/// The examples' fixtures catch a wrong policy: each test copies an example, changes ONE constant of its
/// policy, runs the fixtures, and checks that exactly the cases that should notice fail and all others pass.
/// The cases expected to fail are worked out without running anything: those whose expectations mention a
/// changed address, or (for a weight, a time or a location) a list argued in the test.
/// </summary>
public sealed class ExampleMutationTests
{
    /// <summary>Copies the example, replaces <paramref name="from"/> (which must occur once) in its policy, and runs every case.</summary>
    private static void RunMutant(string example, string policy, string from, string to, Action<FixtureRun, IReadOnlyList<FixtureCase>> check)
    {
        using var temp = new TempFolder();
        FolderCopy.Tree(RepositoryPaths.Combine("examples", example), temp.Path);
        var file = Path.Combine(temp.Path, policy);
        var text = File.ReadAllText(file);
        Assert.True(Occurrences(text, from) == 1, $"'{from}' occurs {Occurrences(text, from)} times in {policy}, not once");
        File.WriteAllText(file, text.Replace(from, to, StringComparison.Ordinal));

        using var suite = FixtureSuite.Load(temp.Path);
        Assert.True(suite.LoadErrors.Count == 0, string.Join("\n", suite.LoadErrors));
        Assert.All(suite.Files, f => Assert.False(f.HasErrors, string.Join("\n", f.Diagnostics)));
        var run = suite.Run();
        var cases = suite.Cases.ToList();
        check(run, cases);
    }

    private static int Occurrences(string text, string value) => (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;


    /// <summary>Every record a case expects, in any section, as written.</summary>
    private static IEnumerable<ExpectedRecord> Expected(FixtureCase fixture)
    {
        var expect = fixture.Expect;
        return (expect.Answer ?? [])
            .Concat(expect.OneOf?.SelectMany(a => a) ?? [])
            .Concat(expect.Distribution?.Shares.SelectMany(s => s.Answer) ?? [])
            .Concat(expect.Authority ?? [])
            .Concat(expect.Additional ?? []);
    }

    /// <summary>Exactly the <paramref name="expected"/> cases failed, and every other case passed.</summary>
    private static void AssertFailures(FixtureRun run, IReadOnlyList<FixtureCase> cases, IReadOnlyCollection<string> expected)
    {
        Assert.Equal(cases.Count, run.Outcomes.Count);
        Assert.NotEmpty(expected);
        Assert.True(expected.Count < cases.Count, "a mutation every case notices proves little about which cases look");
        Assert.All(expected, name => Assert.Contains(cases, c => c.Name == name));
        var failed = run.Outcomes.Where(o => o.Status == FixtureStatus.Failed).Select(o => o.Case.Name).Order(StringComparer.Ordinal).ToList();
        Assert.True(
            expected.Order(StringComparer.Ordinal).SequenceEqual(failed),
            $"expected to fail:\n  {string.Join("\n  ", expected.Order(StringComparer.Ordinal))}\nfailed:\n{string.Join("\n", run.Outcomes.Where(o => o.Status == FixtureStatus.Failed))}");
        Assert.Equal(cases.Count - expected.Count, run.Passed);
        Assert.Equal(0, run.Skipped);
    }

    /// <summary>An address of a policy changed: the cases whose expectations mention it fail, no other.</summary>
    [Theory]
    [InlineData("geo-failover", "example.com/www.csx", "\"198.51.100.20\"", "\"198.51.100.21\"", "198.51.100.20")]          // Europe's IPv4 address
    [InlineData("geo-failover", "example.com/www.csx", "\"2001:db8:10::10\"", "\"2001:db8:10::11\"", "2001:db8:10::10")]    // North America's IPv6 address
    [InlineData("failover-chain", "example.com/www.csx", "\"198.51.100.10\"", "\"198.51.100.11\"", "198.51.100.10")]        // the secondary site
    [InlineData("weighted-canary", "example.com/app.csx", "\"192.0.2.20\"", "\"192.0.2.21\"", "192.0.2.20")]                 // the canary's IPv4 address
    [InlineData("nearest-datacentre", "example.com/www.csx", "\"198.51.100.10\"", "\"198.51.100.11\"", "198.51.100.10")]    // Frankfurt
    [InlineData("maintenance-window", "example.com/shop.csx", "\"192.0.2.61\"", "\"192.0.2.62\"", "192.0.2.61")]             // the shop's second server
    public void ChangedAddress_FailsExactlyTheCasesThatExpectIt(string example, string policy, string from, string to, string address)
    {
        RunMutant(example, policy, from, to, (run, cases) =>
        {
            var expected = cases
                .Where(c => Expected(c).Any(r => r.Data.Equals(address, StringComparison.OrdinalIgnoreCase)))
                .Select(c => c.Name)
                .ToList();
            AssertFailures(run, cases, expected);
        });
    }

    [Fact]
    public void WeightedCanary_CanaryWeightTripled_FailsTheShareCasesOnly()
    {
        // app.csx: 1% of subnets become 2.9%. The three "1% of ..." distributions fail (2.9% is far outside four
        // standard deviations of 1% in 20,000 runs). Sticky picks are rendezvous hashing: a greater canary weight
        // only moves subnets onto the canary, so the canary subnets stay there; the two stable subnets named
        // (10.0.7.0/24 and the resolver 198.51.100.53) stay stable unless they are among the ~2% that move.
        RunMutant("weighted-canary", "example.com/app.csx", "(Canary, 1.0)", "(Canary, 3.0)", (run, cases) => AssertFailures(run, cases,
        [
            "1% of IPv4 client subnets get the new release",
            "1% of IPv6 client subnets get the new release",
            "without ECS the resolver's address is hashed instead, and 1% of resolvers get the new release",
        ]));
    }

    [Fact]
    public void WeightedCanary_ApiCanaryWeightTenfold_FailsTheShareCaseOnly()
    {
        // api.csx: 0.1% becomes 1%; the 0.03% tolerance of the 0.1% case catches it; the canary subnet stays.
        RunMutant("weighted-canary", "example.com/api.csx", "0.1));", "1.0));", (run, cases) => AssertFailures(run, cases,
        [
            "0.1% of client subnets (one in a thousand) get the new release",
        ]));
    }

    [Fact]
    public void MaintenanceWindow_ClosingAnHourEarly_FailsTheCasesInTheLastHour()
    {
        // The window becomes Sundays 02:00-03:00 UTC. Cases at Sunday 03:xx UTC asking A or CNAME expected
        // the alias and now get the shop (or NODATA); AAAA is NODATA either way; 02:xx cases are still inside.
        RunMutant("maintenance-window", "example.com/shop.csx", "< 4", "< 3", (run, cases) => AssertFailures(run, cases,
        [
            "inside the window the shop is an alias of the maintenance page, whose address follows",
            "the last millisecond of the window, 03:59:59.999, is still maintenance",
            "a CNAME question inside the window gets the alias",
        ]));
    }

    [Fact]
    public void MaintenanceWindow_OnSaturdays_FailsEveryCaseThatDependsOnTheDay()
    {
        // The window moves to Saturdays 02:00-04:00 UTC. Every Sunday case asking A or CNAME inside the window
        // fails, and so does the Saturday 03:00 case; the Sunday 01:59:59 and 04:00 cases, the Monday, the UTC-5
        // (Sunday 07:30 UTC) cases, AAAA and the static page do not look at the day inside the window.
        RunMutant("maintenance-window", "example.com/shop.csx", "DayOfWeek.Sunday", "DayOfWeek.Saturday", (run, cases) => AssertFailures(run, cases,
        [
            "inside the window the shop is an alias of the maintenance page, whose address follows",
            "the window opens at 02:00:00 sharp",
            "the last millisecond of the window, 03:59:59.999, is still maintenance",
            "the same hours on a Saturday are not the window",
            "the window is in UTC - 03:30 in UTC+1 is 02:30 UTC, inside",
            "the window is in UTC - Saturday 23:30 in UTC-3 is Sunday 02:30 UTC, inside",
            "the next Sunday's window works the same way",
            "a CNAME question inside the window gets the alias",
        ]));
    }

    [Fact]
    public void NearestDatacentre_AshburnMovedWest_WinsTheCloseCallOnly()
    {
        // Ashburn 3 degrees further west (about 260 km at 39N) comes well within the 39 km by which Singapore
        // beat it for Midway Atoll; every other client's nearest data centre is thousands of km ahead.
        RunMutant("nearest-datacentre", "example.com/www.csx", "-77.45", "-80.45", (run, cases) => AssertFailures(run, cases,
        [
            "a close call - Midway Atoll gets Singapore (8,823 km) rather than Ashburn (8,862 km)",
        ]));
    }

    [Fact]
    public void GeoFailover_EuropeGuardedByTheWrongCheck_FailsTheEuHealthCases()
    {
        // Europe's pool member guarded by "other" instead of "eu": cases that state eu down, drained or forced
        // down (without both eu and na down) expected North America and now get Europe; the case forcing eu up
        // while its check fails still gets Europe; with eu and na both down, Europe all the same either way.
        RunMutant("geo-failover", "example.com/www.csx", "(Europe, \"eu\")", "(Europe, \"other\")", (run, cases) => AssertFailures(run, cases,
        [
            "Europe fails over to North America when eu is down",
            "an operator draining eu sends Europe to North America",
            "Europe fails over to North America over IPv6 too",
            "an operator forcing eu down sends Europe to North America although its check passes",
        ]));
    }
}
