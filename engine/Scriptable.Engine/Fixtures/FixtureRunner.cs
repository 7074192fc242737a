using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text;
using Scriptable.Engine.Local;

namespace Scriptable.Engine.Fixtures;

/// <summary>
/// Runs a <see cref="FixtureCase"/> against a <see cref="LocalServer"/> and says how the answer differs from
/// the expectation, as a diff: <c>- </c> lines were expected and missing, <c>+ </c> lines came and were not
/// expected.
/// </summary>
public static class FixtureRunner
{
    /// <summary>Runs one case.</summary>
    public static FixtureOutcome Run(LocalServer server, FixtureCase fixture)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(fixture);
        if (fixture.Skip is not null)
        {
            return new FixtureOutcome(fixture, FixtureStatus.Skipped, [fixture.Skip], null);
        }

        try
        {
            return fixture.Expect.Distribution is { } distribution
                ? RunDistribution(server, fixture, distribution)
                : RunOnce(server, fixture);
        }
        catch (ArgumentException ex)
        {
            return new FixtureOutcome(fixture, FixtureStatus.Failed, ["the case cannot be asked: " + ex.Message], null);
        }
    }

    private static FixtureOutcome RunOnce(LocalServer server, FixtureCase fixture)
    {
        var answer = server.Ask(fixture.Question);
        var expect = fixture.Expect;
        var diff = new List<string>();
        if (expect.EffectiveRcode is { } rcode && !string.Equals(rcode, answer.Rcode, StringComparison.Ordinal))
        {
            diff.Add($"rcode: expected {rcode}, got {answer.Rcode}");
        }

        Section(diff, "answer", expect.Answer, answer.Answer);
        if (expect.OneOf is { } alternatives && !alternatives.Any(a => SameSet(a, answer.Answer)))
        {
            diff.Add("answer: none of the answers expected");
            for (var i = 0; i < alternatives.Count; i++)
            {
                diff.Add($"  - one-of #{i + 1}: {Join(alternatives[i])}");
            }

            diff.Add($"  + got: {Join(answer.Answer)}");
        }

        Section(diff, "authority", expect.Authority, answer.Authority);
        Section(diff, "additional", expect.Additional, answer.Additional);
        if (expect.Ttl is { } ttl)
        {
            foreach (var record in answer.Answer)
            {
                if (record.Ttl != ttl)
                {
                    diff.Add($"ttl: expected {ttl}, got {record.Ttl} on {record}");
                }
            }
        }

        if (expect.CheckScope && expect.Scope != answer.EcsScope)
        {
            diff.Add($"scope: expected {Scope(expect.Scope)}, got {Scope(answer.EcsScope)}");
        }

        if (expect.Authoritative is { } aa && aa != answer.Authoritative)
        {
            diff.Add($"aa: expected {(aa ? "set" : "clear")}, got {(answer.Authoritative ? "set" : "clear")}");
        }

        if (expect.Truncated is { } tc && tc != answer.Truncated)
        {
            diff.Add($"tc: expected {(tc ? "set" : "clear")}, got {(answer.Truncated ? "set" : "clear")}");
        }

        if (expect.AnsweredBy is { } by && !string.Equals(by, answer.Why.Source, StringComparison.Ordinal))
        {
            diff.Add($"answered-by: expected {by}, got {answer.Why.Source}");
        }

        if (diff.Count > 0)
        {
            AddWhy(diff, "why: ", answer.Why);
        }

        return new FixtureOutcome(fixture, diff.Count == 0 ? FixtureStatus.Passed : FixtureStatus.Failed, diff, answer);
    }

    private static FixtureOutcome RunDistribution(LocalServer server, FixtureCase fixture, ExpectedDistribution distribution)
    {
        var question = fixture.Question;
        var seen = new Dictionary<string, (int Count, IReadOnlyList<LocalRecord> Answer)>(StringComparer.Ordinal);
        var rcodes = new Dictionary<string, int>(StringComparer.Ordinal);
        LocalAnswer? last = null;
        for (var run = 0; run < distribution.Runs; run++)
        {
            var asked = distribution.Vary switch
            {
                "client" => question with { Client = Step(question.Client, run) },
                "ecs" => question with { Ecs = StepSubnet(question.Ecs ?? "10.0.0.0/24", run) },
                _ => question,
            };
            last = server.Ask(asked);
            rcodes[last.Rcode] = rcodes.GetValueOrDefault(last.Rcode) + 1;
            var key = Key(last.Answer);
            seen[key] = (seen.GetValueOrDefault(key).Count + 1, last.Answer);
        }

        var diff = new List<string>();
        var rcode = fixture.Expect.EffectiveRcode ?? "NOERROR";
        foreach (var (got, count) in rcodes)
        {
            if (!string.Equals(got, rcode, StringComparison.Ordinal))
            {
                diff.Add($"rcode: expected {rcode}, got {got} in {count} of {distribution.Runs} runs");
            }
        }

        var matched = new HashSet<string>(StringComparer.Ordinal);
        var table = new List<string>();
        var wrong = false;
        foreach (var share in distribution.Shares)
        {
            var count = 0;
            foreach (var (key, value) in seen)
            {
                if (SameSet(share.Answer, value.Answer))
                {
                    count += value.Count;
                    matched.Add(key);
                }
            }

            var got = (double)count / distribution.Runs;
            var tolerance = distribution.ToleranceFor(share.Share);
            var ok = Math.Abs(got - share.Share) <= tolerance;
            wrong |= !ok;
            table.Add(string.Create(CultureInfo.InvariantCulture, $"  {(ok ? " " : "-")} {Join(share.Answer)}: expected {Percent(share.Share)} ± {Percent(tolerance)}, got {Percent(got)} ({count} of {distribution.Runs})"));
        }

        foreach (var (key, value) in seen)
        {
            if (!matched.Contains(key))
            {
                wrong = true;
                table.Add(string.Create(CultureInfo.InvariantCulture, $"  + {Join(value.Answer)}: not expected, got {Percent((double)value.Count / distribution.Runs)} ({value.Count} of {distribution.Runs})"));
            }
        }

        if (wrong)
        {
            diff.Add($"distribution over {distribution.Runs} runs varying {distribution.Vary}:");
            diff.AddRange(table);
        }

        if (diff.Count > 0 && last is not null)
        {
            AddWhy(diff, "why (last run): ", last.Why);
        }

        return new FixtureOutcome(fixture, diff.Count == 0 ? FixtureStatus.Passed : FixtureStatus.Failed, diff, last);
    }

    /// <summary>The explanation after the diff: its first line after the label, the others aligned under it.</summary>
    private static void AddWhy(List<string> diff, string label, LocalExplanation why)
    {
        var lines = why.Lines();
        diff.Add(label + lines[0]);
        for (var i = 1; i < lines.Count; i++)
        {
            diff.Add(new string(' ', label.Length) + lines[i]);
        }
    }

    private static void Section(List<string> diff, string name, IReadOnlyList<ExpectedRecord>? expected, IReadOnlyList<LocalRecord> actual)
    {
        if (expected is null || SameSet(expected, actual))
        {
            return;
        }

        diff.Add($"{name}:");
        var found = Pair(expected, actual, out var used);
        for (var e = 0; e < expected.Count; e++)
        {
            diff.Add((found[e] ? "    " : "  - ") + expected[e]);
        }

        for (var i = 0; i < actual.Count; i++)
        {
            if (!used[i])
            {
                diff.Add("  + " + actual[i]);
            }
        }

        if (expected.Count == 0 && actual.Count > 0)
        {
            diff.Insert(diff.Count - actual.Count, "  - (no records)");
        }
        else if (actual.Count == 0)
        {
            diff.Add("  + (no records)");
        }
    }

    /// <summary>True when each expected record matches a distinct actual one and none is left over.</summary>
    private static bool SameSet(IReadOnlyList<ExpectedRecord> expected, IReadOnlyList<LocalRecord> actual) =>
        expected.Count == actual.Count && Array.TrueForAll(Pair(expected, actual, out _), found => found);

    /// <summary>
    /// Pairs each expected record with the first actual one it matches that no earlier one took: which expected
    /// records found one, and (<paramref name="used"/>) which actual records were taken.
    /// </summary>
    private static bool[] Pair(IReadOnlyList<ExpectedRecord> expected, IReadOnlyList<LocalRecord> actual, out bool[] used)
    {
        used = new bool[actual.Count];
        var found = new bool[expected.Count];
        for (var e = 0; e < expected.Count; e++)
        {
            for (var i = 0; i < actual.Count && !found[e]; i++)
            {
                if (!used[i] && expected[e].Matches(actual[i]))
                {
                    used[i] = found[e] = true;
                }
            }
        }

        return found;
    }

    private static string Key(IReadOnlyList<LocalRecord> answer)
    {
        var parts = new string[answer.Count];
        for (var i = 0; i < answer.Count; i++)
        {
            parts[i] = answer[i].ToString();
        }

        Array.Sort(parts, StringComparer.Ordinal);
        return string.Join('\n', parts);
    }

    private static string Join(IReadOnlyList<ExpectedRecord> answer) => answer.Count == 0 ? "(no records)" : string.Join("; ", answer);

    private static string Join(IReadOnlyList<LocalRecord> answer) => answer.Count == 0 ? "(no records)" : string.Join("; ", answer);

    private static string Scope(int? scope) => scope is null ? "none (no ECS option)" : "/" + scope.Value.ToString(CultureInfo.InvariantCulture);

    private static string Percent(double share) => share.ToString("0.###%", CultureInfo.InvariantCulture);

    /// <summary>The client of run <paramref name="run"/>: a /24 (IPv4) or /48 (IPv6) further on per run.</summary>
    private static string Step(string client, int run)
    {
        var address = IPAddress.Parse(client);
        var bits = address.GetAddressBytes().Length * 8;
        return Add(address, run, bits == 32 ? 8 : 80).ToString();
    }

    /// <summary>The subnet of run <paramref name="run"/>: the next subnet of the same prefix per run.</summary>
    private static string StepSubnet(string subnet, int run)
    {
        var slash = subnet.IndexOf('/', StringComparison.Ordinal);
        var address = IPAddress.Parse(subnet[..slash]);
        var prefix = int.Parse(subnet[(slash + 1)..], CultureInfo.InvariantCulture);
        var bits = address.GetAddressBytes().Length * 8;
        return Add(address, run, bits - Math.Max(prefix, 1)) + "/" + prefix.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The address plus <paramref name="steps"/> times 2^<paramref name="shift"/>, wrapping around.</summary>
    private static IPAddress Add(IPAddress address, int steps, int shift)
    {
        var bytes = address.GetAddressBytes();
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var modulus = BigInteger.One << (bytes.Length * 8);
        value = (value + (new BigInteger(steps) << shift)) % modulus;
        var result = new byte[bytes.Length];
        var written = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        written.CopyTo(result, result.Length - written.Length);
        return new IPAddress(result);
    }

    /// <summary>The outcome as text: the first line, then the diff indented.</summary>
    public static string Describe(FixtureOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var text = new StringBuilder();
        text.Append(outcome.Case.Location).Append(": ").Append(outcome.Status switch
        {
            FixtureStatus.Passed => "ok",
            FixtureStatus.Skipped => "skipped",
            _ => "FAIL",
        }).Append(" '").Append(outcome.Case.Name).Append("' (").Append(outcome.Case.Describe()).Append(')');
        foreach (var line in outcome.Diff)
        {
            text.AppendLine().Append("    ").Append(line);
        }

        return text.ToString();
    }
}
