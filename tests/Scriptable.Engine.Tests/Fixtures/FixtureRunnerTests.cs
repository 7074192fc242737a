using Scriptable.Engine.Fixtures;
using Scriptable.TestCommon;
using Scriptable.TestCommon.Mmdb;

namespace Scriptable.Engine.Tests.Fixtures;

/// <summary>
/// FixtureRunner against real policies folders written to a temp folder (the example.org zone, a policy, its
/// fixture file): what passes, what fails, and the exact diff of each kind of mismatch.
/// </summary>
public sealed class FixtureRunnerTests : IDisposable
{
    private const string Www = "return Answer.Address(\"192.0.2.10\").WithTtl(30);\n";

    private readonly TempFolder _temp = TempFolder.WithExampleZone();
    private readonly List<FixtureSuite> _suites = [];

    public void Dispose()
    {
        foreach (var suite in _suites)
        {
            suite.Dispose();
        }

        _temp.Dispose();
    }

    /// <summary>Writes the files into the example.org folder, loads it and runs every case.</summary>
    private FixtureRun Run(params (string File, string Text)[] files)
    {
        foreach (var (file, text) in files)
        {
            _temp.Write(file, text);
        }

        var suite = FixtureSuite.Load(_temp.Path);
        _suites.Add(suite);
        Assert.True(suite.LoadErrors.Count == 0, string.Join("\n", suite.LoadErrors));
        Assert.All(suite.Files, f => Assert.False(f.HasErrors, string.Join("\n", f.Diagnostics)));
        return suite.Run();
    }

    /// <summary>The www policy <paramref name="policy"/> with the cases <paramref name="cases"/> (YAML list items).</summary>
    private FixtureRun RunWww(string policy, string cases) =>
        Run(("example.org/www.csx", policy), ("example.org/www.fixtures.yaml", "cases:\n" + cases));

    private static FixtureOutcome Outcome(FixtureRun run, string name) => Assert.Single(run.Outcomes, o => o.Case.Name == name);

    private static void AssertPassed(FixtureRun run, string name)
    {
        var outcome = Outcome(run, name);
        Assert.True(outcome.Status == FixtureStatus.Passed, outcome.ToString());
        Assert.Empty(outcome.Diff);
    }

    /// <summary>The case failed, and its diff before the why lines is exactly <paramref name="diff"/>.</summary>
    private static FixtureOutcome AssertFailed(FixtureRun run, string name, params string[] diff)
    {
        var outcome = Outcome(run, name);
        Assert.True(outcome.Status == FixtureStatus.Failed, outcome.ToString());
        Assert.Equal(diff, outcome.Diff.TakeWhile(l => !l.StartsWith("why", StringComparison.Ordinal)));
        Assert.StartsWith("why", outcome.Diff[diff.Length], StringComparison.Ordinal);
        return outcome;
    }

    /// <summary>The why lines of a failed case, as one text: the first after its label, the others joined with "; ".</summary>
    private static string Why(FixtureOutcome outcome) =>
        string.Join("; ", outcome.Diff.SkipWhile(l => !l.StartsWith("why", StringComparison.Ordinal)).Select(l => l.Trim()));

    // ---- Answers -----------------------------------------------------------------------------------

    [Fact]
    public void Answer_MatchingPasses_MismatchShowsMissingAndUnexpectedRecords()
    {
        var run = RunWww(Www, """
              - case: right in full
                expect: { answer: [www.example.org. 30 IN A 192.0.2.10] }
              - case: right without owner and ttl
                expect: { answer: [A 192.0.2.10] }
              - case: wrong address
                expect: { answer: [A 192.0.2.99] }
              - case: one record too many expected
                expect: { answer: [A 192.0.2.10, A 192.0.2.11] }
              - case: wrong ttl in the record
                expect: { answer: [www.example.org. 60 IN A 192.0.2.10] }
              - case: nodata expected
                expect: { answer: [] }
            """);

        AssertPassed(run, "right in full");
        AssertPassed(run, "right without owner and ttl");
        var wrong = AssertFailed(run, "wrong address", "answer:", "  - A 192.0.2.99", "  + www.example.org. 30 IN A 192.0.2.10");
        Assert.Equal(
            $"why: answered by policy www.example.org. ({Path.Combine(_temp.Path, "example.org", "www.csx")} revision 1); client located by source address 192.0.2.1",
            Why(wrong));
        AssertFailed(run, "one record too many expected", "answer:", "    A 192.0.2.10", "  - A 192.0.2.11");
        AssertFailed(run, "wrong ttl in the record", "answer:", "  - www.example.org. 60 IN A 192.0.2.10", "  + www.example.org. 30 IN A 192.0.2.10");
        AssertFailed(run, "nodata expected", "answer:", "  - (no records)", "  + www.example.org. 30 IN A 192.0.2.10");
        Assert.Equal(2, run.Passed);
        Assert.Equal(4, run.Failed);
        Assert.False(run.Succeeded);
    }

    [Fact]
    public void Describe_FirstLineHasFileLineAndQuestion_ThenTheDiffIndented()
    {
        var run = RunWww(Www, """
              - case: right
                expect: { answer: [A 192.0.2.10] }
              - case: wrong
                ecs: 198.51.100.0/24
                type: A
                expect: { answer: [A 192.0.2.99] }
            """);

        var file = Path.Combine(_temp.Path, "example.org", "www.fixtures.yaml");
        Assert.Equal($"{file}:2: ok 'right' (www.example.org. A, from 192.0.2.1)", Outcome(run, "right").ToString());
        var lines = Outcome(run, "wrong").ToString().Split(Environment.NewLine);
        Assert.Equal($"{file}:4: FAIL 'wrong' (www.example.org. A, ECS 198.51.100.0/24)", lines[0]);
        Assert.Equal("    answer:", lines[1]);
        Assert.Equal("      - A 192.0.2.99", lines[2]);
        Assert.Equal("      + www.example.org. 30 IN A 192.0.2.10", lines[3]);
        Assert.StartsWith("    why: answered by policy www.example.org. (", lines[4], StringComparison.Ordinal);
        Assert.Equal("         client located by ECS 198.51.100.0/24", lines[5]);
        Assert.Equal(6, lines.Length);
    }

    [Fact]
    public void Rcode_MismatchIsReported_AndAnExpectedAnswerImpliesNoError()
    {
        var run = RunWww(Www, """
              - case: nxdomain expected and got
                name: nothing.example.org
                expect: { rcode: NXDOMAIN, authority: [example.org. 60 IN SOA ns1.example.org. hostmaster.example.org. 1 3600 600 604800 60] }
              - case: noerror expected, nxdomain got
                name: nothing.example.org
                expect: { rcode: NOERROR }
              - case: an answer implies noerror
                name: nothing.example.org
                expect: { answer: [] }
              - case: refused outside the zones
                name: www.example.net
                expect: { rcode: REFUSED, answered-by: none }
              - case: the authority differs
                name: nothing.example.org
                expect: { rcode: NXDOMAIN, authority: [] }
            """);

        AssertPassed(run, "nxdomain expected and got");
        AssertPassed(run, "refused outside the zones");
        AssertFailed(run, "noerror expected, nxdomain got", "rcode: expected NOERROR, got NXDOMAIN");
        AssertFailed(run, "an answer implies noerror", "rcode: expected NOERROR, got NXDOMAIN");
        AssertFailed(run, "the authority differs", "authority:", "  - (no records)", "  + example.org. 60 IN SOA ns1.example.org. hostmaster.example.org. 1 3600 600 604800 60");
    }

    [Fact]
    public void Ttl_EveryAnswerRecordIsChecked()
    {
        var run = RunWww("return Answer.Address(\"192.0.2.10\", \"192.0.2.11\").WithTtl(30);\n", """
              - case: ttl right
                expect: { ttl: 30 }
              - case: ttl wrong
                expect: { ttl: 60 }
            """);

        AssertPassed(run, "ttl right");
        var outcome = AssertFailed(
            run,
            "ttl wrong",
            "ttl: expected 60, got 30 on www.example.org. 30 IN A 192.0.2.10",
            "ttl: expected 60, got 30 on www.example.org. 30 IN A 192.0.2.11");
        Assert.Equal(2, outcome.Answer!.Answer.Count);
    }

    [Fact]
    public void Scope_PrefixOrNone()
    {
        // The policy reads neither geo nor subnet: its answer holds for every client, scope /0.
        var run = RunWww(Www, """
              - case: scope 0 with ecs
                ecs: 198.51.100.0/24
                expect: { scope: 0 }
              - case: no ecs, no option
                expect: { scope: none }
              - case: scope 24 expected
                ecs: 198.51.100.0/24
                expect: { scope: 24 }
              - case: none expected with ecs
                ecs: 198.51.100.0/24
                expect: { scope: none }
              - case: a scope expected without ecs
                expect: { scope: 24 }
            """);

        AssertPassed(run, "scope 0 with ecs");
        AssertPassed(run, "no ecs, no option");
        AssertFailed(run, "scope 24 expected", "scope: expected /24, got /0");
        AssertFailed(run, "none expected with ecs", "scope: expected none (no ECS option), got /0");
        AssertFailed(run, "a scope expected without ecs", "scope: expected /24, got none (no ECS option)");
    }

    [Fact]
    public void AaAndTc_Flags()
    {
        // 40 addresses: about 650 octets, more than a plain 512-octet UDP answer holds.
        var addresses = string.Join(", ", Enumerable.Range(1, 40).Select(i => $"\"192.0.2.{i}\""));
        var run = Run(
            ("example.org/www.csx", Www),
            ("example.org/big.csx", $"return Answer.Address({addresses});\n"),
            ("example.org/www.fixtures.yaml", """
                cases:
                  - case: aa set
                    expect: { aa: true, tc: false }
                  - case: aa clear expected
                    expect: { aa: false }
                  - case: refused is not authoritative
                    name: www.example.net
                    expect: { aa: true }
                """),
            ("example.org/big.fixtures.yaml", """
                cases:
                  - case: big over udp without edns is truncated
                    edns: false
                    expect: { tc: true }
                  - case: big over udp without edns, tc clear expected
                    edns: false
                    expect: { tc: false }
                  - case: big over tcp is whole
                    transport: tcp
                    edns: false
                    expect: { tc: false, ttl: 60 }          # a policy's default TTL
                """));

        AssertPassed(run, "aa set");
        AssertFailed(run, "aa clear expected", "aa: expected clear, got set");
        AssertFailed(run, "refused is not authoritative", "aa: expected set, got clear");
        AssertPassed(run, "big over udp without edns is truncated");
        AssertFailed(run, "big over udp without edns, tc clear expected", "tc: expected clear, got set");
        AssertPassed(run, "big over tcp is whole");
        Assert.Equal(40, Outcome(run, "big over tcp is whole").Answer!.Answer.Count);
    }

    [Fact]
    public void AnsweredBy_PolicyZoneOrNone()
    {
        var run = RunWww(Www, """
              - case: by the policy
                expect: { answered-by: policy }
              - case: by the zone
                name: mail.example.org
                expect: { answered-by: zone, answer: [mail.example.org. 300 IN A 192.0.2.25] }
              - case: zone expected, policy answered
                expect: { answered-by: zone }
              - case: policy expected, zone answered
                name: mail.example.org
                expect: { answered-by: policy }
            """);

        AssertPassed(run, "by the policy");
        AssertPassed(run, "by the zone");
        AssertFailed(run, "zone expected, policy answered", "answered-by: expected zone, got policy");
        var zone = AssertFailed(run, "policy expected, zone answered", "answered-by: expected policy, got zone");
        Assert.Equal("why: answered by the zone's static data; client located by source address 192.0.2.1", Why(zone));
    }

    [Fact]
    public void OneOf_AnyAlternativePasses_NoneListsThemAll()
    {
        var run = RunWww(
            """
            static readonly Pool<Answer> Two = Pool.Weighted((Answer.Address("192.0.2.7").WithTtl(30), 1.0), (Answer.Address("192.0.2.8").WithTtl(30), 1.0));
            return Two.Random(ctx);
            """,
            """
              - case: either of the two
                expect:
                  one-of:
                    - A 192.0.2.7
                    - [A 192.0.2.8]
              - case: neither of these
                expect:
                  one-of:
                    - A 192.0.2.5
                    - [A 192.0.2.6, A 192.0.2.9]
            """);

        AssertPassed(run, "either of the two");
        var outcome = Outcome(run, "neither of these");
        Assert.Equal(FixtureStatus.Failed, outcome.Status);
        Assert.Equal("answer: none of the answers expected", outcome.Diff[0]);
        Assert.Equal("  - one-of #1: A 192.0.2.5", outcome.Diff[1]);
        Assert.Equal("  - one-of #2: A 192.0.2.6; A 192.0.2.9", outcome.Diff[2]);
        Assert.Matches(@"^  \+ got: www\.example\.org\. 30 IN A 192\.0\.2\.[78]$", outcome.Diff[3]);
        Assert.StartsWith("why: ", outcome.Diff[4], StringComparison.Ordinal);
    }

    [Fact]
    public void Distribution_StickyWeightedPool_InsideToleranceAndOutside()
    {
        // A sticky pick is a hash of the subnet: the same 4,000 subnets give the same shares every run.
        var run = RunWww(
            """
            static readonly Pool<Answer> Release = Pool.Weighted((Answer.Address("192.0.2.40").WithTtl(30), 75.0), (Answer.Address("192.0.2.41").WithTtl(30), 25.0));
            return Release.Sticky(ctx);
            """,
            """
              - case: 75/25 as weighted
                ecs: 10.0.0.0/24
                expect:
                  distribution:
                    runs: 4000
                    vary: ecs
                    tolerance: 3%
                    shares: { A 192.0.2.40: 75%, A 192.0.2.41: 25% }
              - case: 90/10 is not what it does
                ecs: 10.0.0.0/24
                expect:
                  distribution:
                    runs: 4000
                    vary: ecs
                    tolerance: 1%
                    shares: { A 192.0.2.40: 90%, A 192.0.2.41: 10% }
              - case: an answer not listed
                ecs: 10.0.0.0/24
                expect:
                  distribution:
                    runs: 4000
                    vary: ecs
                    shares: { A 192.0.2.40: 100% }
              - case: one subnet always gets the same answer
                ecs: 10.0.0.0/24
                expect:
                  distribution:
                    runs: 50
                    vary: none
                    shares: { A 192.0.2.40: 50%, A 192.0.2.41: 50% }
            """);

        AssertPassed(run, "75/25 as weighted");

        var outside = Outcome(run, "90/10 is not what it does");
        Assert.Equal(FixtureStatus.Failed, outside.Status);
        Assert.Equal("distribution over 4000 runs varying ecs:", outside.Diff[0]);
        Assert.Matches(@"^  - A 192\.0\.2\.40: expected 90% ± 1%, got 7\d(\.\d+)?% \(\d+ of 4000\)$", outside.Diff[1]);
        Assert.Matches(@"^  - A 192\.0\.2\.41: expected 10% ± 1%, got 2\d(\.\d+)?% \(\d+ of 4000\)$", outside.Diff[2]);
        Assert.StartsWith("why (last run): answered by policy www.example.org.", outside.Diff[3], StringComparison.Ordinal);
        Assert.Contains("pool.Sticky over [#1, #2]: #", Why(outside), StringComparison.Ordinal);

        var unlisted = Outcome(run, "an answer not listed");
        Assert.Equal(FixtureStatus.Failed, unlisted.Status);
        Assert.Matches(@"^  - A 192\.0\.2\.40: expected 100% ± [\d.]+%, got 7\d(\.\d+)?% ", unlisted.Diff[1]);
        Assert.Matches(@"^  \+ www\.example\.org\. 30 IN A 192\.0\.2\.41: not expected, got 2\d(\.\d+)?% \(\d+ of 4000\)$", unlisted.Diff[2]);

        // Sticky: the one subnet never changes its answer, so a 50/50 over it fails with one share at 100%.
        var sticky = Outcome(run, "one subnet always gets the same answer");
        Assert.Equal(FixtureStatus.Failed, sticky.Status);
        Assert.Single(sticky.Diff, l => l.EndsWith("got 100% (50 of 50)", StringComparison.Ordinal));
        Assert.Single(sticky.Diff, l => l.EndsWith("got 0% (0 of 50)", StringComparison.Ordinal));
    }

    [Fact]
    public void Distribution_RandomWeightedPool_WithinAGenerousTolerance()
    {
        // Random picks: 1,000 runs of a fair coin are within 15% of 50% except with odds far below 1e-20.
        var run = RunWww(
            """
            static readonly Pool<Answer> Two = Pool.Weighted((Answer.Address("192.0.2.7").WithTtl(30), 1.0), (Answer.Address("192.0.2.8").WithTtl(30), 1.0));
            return Two.Random(ctx);
            """,
            """
              - case: half and half
                expect:
                  distribution:
                    runs: 1000
                    vary: none
                    tolerance: 15%
                    shares: { A 192.0.2.7: 50%, A 192.0.2.8: 50% }
              - case: all one
                expect:
                  distribution:
                    runs: 1000
                    vary: none
                    tolerance: 15%
                    shares: { A 192.0.2.7: 100% }
            """);

        AssertPassed(run, "half and half");
        var all = Outcome(run, "all one");
        Assert.Equal(FixtureStatus.Failed, all.Status);
        Assert.Contains(all.Diff, l => l.StartsWith("  + www.example.org. 30 IN A 192.0.2.8: not expected", StringComparison.Ordinal));
    }

    [Fact]
    public void Distribution_RcodeOtherThanExpected_IsCountedPerRun()
    {
        var run = RunWww(Www, """
              - case: nxdomain every run
                name: nothing.example.org
                expect:
                  distribution:
                    runs: 20
                    shares: { "A 192.0.2.10": 100% }
            """);

        var outcome = Outcome(run, "nxdomain every run");
        Assert.Equal(FixtureStatus.Failed, outcome.Status);
        Assert.Equal("rcode: expected NOERROR, got NXDOMAIN in 20 of 20 runs", outcome.Diff[0]);
    }

    [Fact]
    public void GeoDatabaseThatDoesNotOpen_TheCaseCannotBeAsked_SaysWhichFile()
    {
        var junk = _temp.Write("_junk/not.mmdb", "not a geo database");
        var run = Run(
            ("example.org/www.csx", Www),
            ("example.org/www.fixtures.yaml", "cases:\n  - case: without the database\n    expect: { answer: [A 192.0.2.10] }\n"),
            ("example.org/more.fixtures.yaml", "geo-databases: [../_junk/not.mmdb]\ncases:\n  - case: with the database\n    name: www.example.org\n    expect: { answer: [A 192.0.2.10] }\n"));

        AssertPassed(run, "without the database");
        var outcome = Outcome(run, "with the database");
        Assert.Equal(FixtureStatus.Failed, outcome.Status);
        var line = Assert.Single(outcome.Diff);
        Assert.StartsWith($"the case cannot be asked: {junk}: the geo database does not open: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", line, StringComparison.Ordinal);
        Assert.Null(outcome.Answer);
    }

    // ---- Skip ------------------------------------------------------------------------------------

    [Fact]
    public void Skip_IsNotAsked_AndSaysWhy()
    {
        var run = RunWww(Www, """
              - case: skipped although wrong
                skip: waiting for the new address
                expect: { answer: [A 192.0.2.99] }
              - case: asked
                expect: { answer: [A 192.0.2.10] }
            """);

        var skipped = Outcome(run, "skipped although wrong");
        Assert.Equal(FixtureStatus.Skipped, skipped.Status);
        Assert.Equal(["waiting for the new address"], skipped.Diff);
        Assert.Null(skipped.Answer);
        Assert.Contains(": skipped 'skipped although wrong'", skipped.ToString(), StringComparison.Ordinal);
        Assert.Equal((1, 0, 1), (run.Passed, run.Failed, run.Skipped));
        Assert.True(run.Succeeded);
    }

    // ---- Fallback --------------------------------------------------------------------------------

    [Fact]
    public void LoopingPolicy_FallsBackOnTime_AndTheNextCaseIsNotBenched()
    {
        // On a server a policy stopped for time is benched for a second; cases stand alone, in any order.
        var run = RunWww(
            "// scriptable: fallback=static\nif (ctx.Query.Type == DnsType.TXT) { while (true) { } }\nreturn Answer.Address(\"192.0.2.1\");\n",
            """
              - case: a loop falls back to the zone
                type: TXT
                expect: { answered-by: fallback }
              - case: the next question is answered by the policy
                expect: { answer: [A 192.0.2.1], answered-by: policy }
              - case: and the loop again
                type: TXT
                expect: { answered-by: fallback }
            """);

        AssertPassed(run, "a loop falls back to the zone");
        AssertPassed(run, "the next question is answered by the policy");
        AssertPassed(run, "and the loop again");
        Assert.Contains("BudgetExceededException", Outcome(run, "and the loop again").Answer!.Why.PolicyNote, StringComparison.Ordinal);
    }

    [Fact]
    public void ThrowingPolicy_AnswersItsFallback_AndTheWhySaysWhy()
    {
        var run = RunWww(
            "// scriptable: fallback=static\nthrow new InvalidOperationException(\"boom\");\n",
            """
              - case: the static records, by the fallback
                expect:
                  answer: [www.example.org. 300 IN A 192.0.2.80]
                  answered-by: fallback
              - case: policy expected
                expect: { answered-by: policy }
            """);

        AssertPassed(run, "the static records, by the fallback");
        var outcome = AssertFailed(run, "policy expected", "answered-by: expected policy, got fallback");
        Assert.StartsWith("why: answered by the fallback of policy www.example.org. (", Why(outcome), StringComparison.Ordinal);
        Assert.Contains("boom", Why(outcome), StringComparison.Ordinal);
        Assert.Equal("fallback", outcome.Answer!.Why.Source);

        // A policy reached only through its fallback is reached all the same.
        Assert.Empty(run.Uncovered);
    }

    // ---- Time --------------------------------------------------------------------------------------

    [Fact]
    public void Time_IsWhatCtxNowSays()
    {
        var run = RunWww(
            """
            static readonly DateTimeOffset Switch = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
            return ctx.Now < Switch ? Answer.Address("192.0.2.1").WithTtl(30) : Answer.Address("192.0.2.2").WithTtl(30);
            """,
            """
              - case: a second before
                time: 2029-12-31T23:59:59Z
                expect: { answer: [A 192.0.2.1] }
              - case: at the switch
                time: 2030-01-01T00:00:00Z
                expect: { answer: [A 192.0.2.2] }
              - case: without an offset it is UTC
                time: 2030-01-01T00:00:00
                expect: { answer: [A 192.0.2.2] }
              - case: 00:30 at UTC+1 is before
                time: 2030-01-01T00:30:00+01:00
                expect: { answer: [A 192.0.2.1] }
              - case: wrong side
                time: 2030-06-01T00:00:00Z
                expect: { answer: [A 192.0.2.1] }
            """);

        AssertPassed(run, "a second before");
        AssertPassed(run, "at the switch");
        AssertPassed(run, "without an offset it is UTC");
        AssertPassed(run, "00:30 at UTC+1 is before");
        AssertFailed(run, "wrong side", "answer:", "  - A 192.0.2.1", "  + www.example.org. 30 IN A 192.0.2.2");
    }

    // ---- Health ----------------------------------------------------------------------------------

    [Fact]
    public void Health_StatedStatesAndOverrides()
    {
        var run = Run(
            ("health.yaml", """
                checks:
                  a: { http: http://127.0.0.1:9/health }
                  b: { http: http://127.0.0.1:9/health }
                """),
            ("example.org/www.csx", """
                static readonly Pool<Answer> Sites = Pool.Of(
                    (Answer.Address("192.0.2.1").WithTtl(30), "a"),
                    (Answer.Address("192.0.2.2").WithTtl(30), "b")).WhenAllDown(Answer.Address("192.0.2.3").WithTtl(30));
                return Sites.First(ctx);
                """),
            ("example.org/www.fixtures.yaml", """
                cases:
                  - case: nothing stated is unknown, which counts as up
                    expect: { answer: [A 192.0.2.1] }
                  - case: a down
                    health: { a: down }
                    expect: { answer: [A 192.0.2.2] }
                  - case: a draining
                    health: { a: draining, b: up }
                    expect: { answer: [A 192.0.2.2] }
                  - case: both down
                    health: { a: down, b: down }
                    expect: { answer: [A 192.0.2.3] }
                  - case: a down but forced up
                    health: { a: down }
                    overrides: { a: force-up }
                    expect: { answer: [A 192.0.2.1] }
                  - case: a up but forced down
                    health: { a: up }
                    overrides: { a: force-down }
                    expect: { answer: [A 192.0.2.2] }
                  - case: a drained by an operator
                    overrides: { a: drain }
                    expect: { answer: [A 192.0.2.2] }
                  - case: a down, expected a all the same
                    health: { a: down }
                    expect: { answer: [A 192.0.2.1] }
                """));

        foreach (var name in new[] { "nothing stated is unknown, which counts as up", "a down", "a draining", "both down", "a down but forced up", "a up but forced down", "a drained by an operator" })
        {
            AssertPassed(run, name);
        }

        AssertFailed(run, "a down, expected a all the same", "answer:", "  - A 192.0.2.1", "  + www.example.org. 30 IN A 192.0.2.2");
    }

    // ---- Geo -------------------------------------------------------------------------------------

    [Fact]
    public void Geo_StatedFactsOrTheFolderDatabase()
    {
        Directory.CreateDirectory(Path.Combine(_temp.Path, "_geo"));
        TestGeo.CityTestLike().Write(Path.Combine(_temp.Path, "_geo", "city.mmdb"));
        var run = RunWww(
            """
            return ctx.Geo.ContinentCode switch
            {
                "EU" => Answer.Address("198.51.100.20").WithTtl(30),
                "NA" => Answer.Address("192.0.2.10").WithTtl(30),
                _ => Answer.Address("203.0.113.30").WithTtl(30),
            };
            """,
            """
              - case: London by the database, scope its /27
                ecs: 81.2.69.160/27
                expect: { answer: [A 198.51.100.20], scope: 27 }
              - case: Milton by the database, scope its /29
                ecs: 216.160.83.56/29
                expect: { answer: [A 192.0.2.10], scope: 29 }
              - case: the source address when there is no ECS
                client: 216.160.83.56
                expect: { answer: [A 192.0.2.10], scope: none }
              - case: an address in no network is elsewhere
                ecs: 1.128.0.1/32
                expect: { answer: [A 203.0.113.30] }
              - case: stated facts win over the database
                ecs: 81.2.69.160/27
                geo: { country: US }
                expect: { answer: [A 192.0.2.10] }
              - case: stated nothing is elsewhere
                ecs: 81.2.69.160/27
                geo: {}
                expect: { answer: [A 203.0.113.30] }
              - case: London expected in North America
                ecs: 81.2.69.160/27
                expect: { answer: [A 192.0.2.10] }
            """);

        foreach (var name in new[] { "London by the database, scope its /27", "Milton by the database, scope its /29", "the source address when there is no ECS", "an address in no network is elsewhere", "stated facts win over the database", "stated nothing is elsewhere" })
        {
            AssertPassed(run, name);
        }

        var wrong = AssertFailed(run, "London expected in North America", "answer:", "  - A 192.0.2.10", "  + www.example.org. 30 IN A 198.51.100.20");
        Assert.EndsWith("client located by ECS 81.2.69.160/27: GB/EU London in 'city' (network /27)", wrong.Diff[^1], StringComparison.Ordinal);
        Assert.StartsWith("US/NA in 'stated'", Outcome(run, "stated facts win over the database").Answer!.Why.Geo, StringComparison.Ordinal);
    }

    [Fact]
    public void Geo_DatabasesOfTheFixtureFile_AreConsultedBeforeTheFolders()
    {
        // The folder's database says GB for 81.2.69.160; the fixture file's says JP: the file's wins.
        Directory.CreateDirectory(Path.Combine(_temp.Path, "_geo"));
        TestGeo.CityTestLike().Write(Path.Combine(_temp.Path, "_geo", "city.mmdb"));
        var other = Path.Combine(_temp.Path, "_other", "jp.mmdb");
        Directory.CreateDirectory(Path.GetDirectoryName(other)!);
        new MmdbWriter().Insert("81.2.69.0/24", TestGeo.City("JP", "AS", "Tokyo")).Write(other);
        var run = Run(
            ("example.org/www.csx", "return Answer.Address(ctx.Geo.CountryCode == \"JP\" ? \"192.0.2.81\" : \"192.0.2.44\").WithTtl(30);\n"),
            ("example.org/www.fixtures.yaml", """
                geo-databases: [../_other/jp.mmdb]
                cases:
                  - case: Japan by the file's database
                    ecs: 81.2.69.160/27
                    expect: { answer: [A 192.0.2.81], scope: 24 }
                """),
            ("example.org/mail.csx", "return Answer.Address(ctx.Geo.CountryCode == \"JP\" ? \"192.0.2.81\" : \"192.0.2.44\").WithTtl(30);\n"),
            ("example.org/mail.fixtures.yaml", """
                cases:
                  - case: Britain by the folder's database
                    ecs: 81.2.69.160/27
                    expect: { answer: [A 192.0.2.44], scope: 27 }
                """));

        AssertPassed(run, "Japan by the file's database");
        AssertPassed(run, "Britain by the folder's database");
    }
}
