using System.ComponentModel;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Scriptable.Policies.Runtime;

/// <summary>
/// Regular expressions with a match timeout no longer than the policy's time budget. The budget rewriter
/// sends every <c>new Regex(...)</c> of a policy to <see cref="Create(string)"/> and every static
/// <c>Regex.IsMatch/Match/Matches/Replace/Split/Count/EnumerateMatches/EnumerateSplits</c> to the method of the
/// same signature here, so catastrophic backtracking costs one query (a
/// <see cref="RegexMatchTimeoutException"/>, which the host answers with the policy's fallback), not the
/// receive thread. A timeout the author gives is kept when it is shorter. Patterns are at most
/// <see cref="MaxPatternLength"/> chars: making a regex is work no timeout covers. Policy authors never call this.
/// </summary>
/// <remarks>
/// Instances get their timeout when they are made, so a regex in a <c>static readonly</c> field (made while
/// the policy loads) is limited by the per-query budget too (<see cref="BudgetLimits.MatchTimeout"/>). A
/// policy cannot make one any other way: deriving from <see cref="Regex"/> is denied (SCR0010), and
/// <c>[GeneratedRegex]</c> needs a source generator, which policy compilations do not run.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RegexGuard
{
    /// <summary>The match timeout for a regex made or run now: <paramref name="requested"/> when shorter than the budget's limit, else the limit.</summary>
    public static TimeSpan Timeout(TimeSpan requested)
    {
        var limit = Budget.MatchTimeoutLimit;
        return requested == Regex.InfiniteMatchTimeout || requested > limit ? limit : requested;
    }

    /// <summary><c>new Regex(pattern)</c>, with the budget's match timeout.</summary>
    public static Regex Create(string pattern) => new(Checked(pattern), RegexOptions.None, Timeout(Regex.InfiniteMatchTimeout));

    /// <summary><c>new Regex(pattern, options)</c>, with the budget's match timeout.</summary>
    public static Regex Create(string pattern, RegexOptions options) => new(Checked(pattern), options, Timeout(Regex.InfiniteMatchTimeout));

    /// <summary><c>new Regex(pattern, options, matchTimeout)</c>, the timeout no longer than the budget's.</summary>
    public static Regex Create(string pattern, RegexOptions options, TimeSpan matchTimeout) => new(Checked(pattern), options, Timeout(matchTimeout));

    /// <summary><see cref="Regex.Count(string, string)"/> with the budget's match timeout.</summary>
    public static int Count(string input, string pattern) => Regex.Count(input, Checked(pattern), RegexOptions.None, Limit);

    /// <summary><see cref="Regex.Count(string, string, RegexOptions)"/> with the budget's match timeout.</summary>
    public static int Count(string input, string pattern, RegexOptions options) => Regex.Count(input, Checked(pattern), options, Limit);

    /// <summary><see cref="Regex.Count(string, string, RegexOptions, TimeSpan)"/>, the timeout no longer than the budget's.</summary>
    public static int Count(string input, string pattern, RegexOptions options, TimeSpan matchTimeout) => Regex.Count(input, Checked(pattern), options, Timeout(matchTimeout));

    /// <summary><see cref="Regex.Count(ReadOnlySpan{char}, string)"/> with the budget's match timeout.</summary>
    public static int Count(ReadOnlySpan<char> input, string pattern) => Regex.Count(input, Checked(pattern), RegexOptions.None, Limit);

    /// <summary><see cref="Regex.Count(ReadOnlySpan{char}, string, RegexOptions)"/> with the budget's match timeout.</summary>
    public static int Count(ReadOnlySpan<char> input, string pattern, RegexOptions options) => Regex.Count(input, Checked(pattern), options, Limit);

    /// <summary><see cref="Regex.Count(ReadOnlySpan{char}, string, RegexOptions, TimeSpan)"/>, the timeout no longer than the budget's.</summary>
    public static int Count(ReadOnlySpan<char> input, string pattern, RegexOptions options, TimeSpan matchTimeout) => Regex.Count(input, Checked(pattern), options, Timeout(matchTimeout));

    /// <summary><see cref="Regex.EnumerateMatches(ReadOnlySpan{char}, string)"/> with the budget's match timeout.</summary>
    public static Regex.ValueMatchEnumerator EnumerateMatches(ReadOnlySpan<char> input, string pattern) => Regex.EnumerateMatches(input, Checked(pattern), RegexOptions.None, Limit);

    /// <summary><see cref="Regex.EnumerateMatches(ReadOnlySpan{char}, string, RegexOptions)"/> with the budget's match timeout.</summary>
    public static Regex.ValueMatchEnumerator EnumerateMatches(ReadOnlySpan<char> input, string pattern, RegexOptions options) => Regex.EnumerateMatches(input, Checked(pattern), options, Limit);

    /// <summary><see cref="Regex.EnumerateMatches(ReadOnlySpan{char}, string, RegexOptions, TimeSpan)"/>, the timeout no longer than the budget's.</summary>
    public static Regex.ValueMatchEnumerator EnumerateMatches(ReadOnlySpan<char> input, string pattern, RegexOptions options, TimeSpan matchTimeout) => Regex.EnumerateMatches(input, Checked(pattern), options, Timeout(matchTimeout));

    /// <summary><see cref="Regex.EnumerateSplits(ReadOnlySpan{char}, string)"/> with the budget's match timeout.</summary>
    public static Regex.ValueSplitEnumerator EnumerateSplits(ReadOnlySpan<char> input, string pattern) => Regex.EnumerateSplits(input, Checked(pattern), RegexOptions.None, Limit);

    /// <summary><see cref="Regex.EnumerateSplits(ReadOnlySpan{char}, string, RegexOptions)"/> with the budget's match timeout.</summary>
    public static Regex.ValueSplitEnumerator EnumerateSplits(ReadOnlySpan<char> input, string pattern, RegexOptions options) => Regex.EnumerateSplits(input, Checked(pattern), options, Limit);

    /// <summary><see cref="Regex.EnumerateSplits(ReadOnlySpan{char}, string, RegexOptions, TimeSpan)"/>, the timeout no longer than the budget's.</summary>
    public static Regex.ValueSplitEnumerator EnumerateSplits(ReadOnlySpan<char> input, string pattern, RegexOptions options, TimeSpan matchTimeout) => Regex.EnumerateSplits(input, Checked(pattern), options, Timeout(matchTimeout));

    /// <summary><see cref="Regex.IsMatch(string, string)"/> with the budget's match timeout.</summary>
    public static bool IsMatch(string input, string pattern) => Regex.IsMatch(input, Checked(pattern), RegexOptions.None, Limit);

    /// <summary><see cref="Regex.IsMatch(ReadOnlySpan{char}, string)"/> with the budget's match timeout.</summary>
    public static bool IsMatch(ReadOnlySpan<char> input, string pattern) => Regex.IsMatch(input, Checked(pattern), RegexOptions.None, Limit);

    /// <summary><see cref="Regex.IsMatch(string, string, RegexOptions)"/> with the budget's match timeout.</summary>
    public static bool IsMatch(string input, string pattern, RegexOptions options) => Regex.IsMatch(input, Checked(pattern), options, Limit);

    /// <summary><see cref="Regex.IsMatch(ReadOnlySpan{char}, string, RegexOptions)"/> with the budget's match timeout.</summary>
    public static bool IsMatch(ReadOnlySpan<char> input, string pattern, RegexOptions options) => Regex.IsMatch(input, Checked(pattern), options, Limit);

    /// <summary><see cref="Regex.IsMatch(string, string, RegexOptions, TimeSpan)"/>, the timeout no longer than the budget's.</summary>
    public static bool IsMatch(string input, string pattern, RegexOptions options, TimeSpan matchTimeout) => Regex.IsMatch(input, Checked(pattern), options, Timeout(matchTimeout));

    /// <summary><see cref="Regex.IsMatch(ReadOnlySpan{char}, string, RegexOptions, TimeSpan)"/>, the timeout no longer than the budget's.</summary>
    public static bool IsMatch(ReadOnlySpan<char> input, string pattern, RegexOptions options, TimeSpan matchTimeout) => Regex.IsMatch(input, Checked(pattern), options, Timeout(matchTimeout));

    /// <summary><see cref="Regex.Match(string, string)"/> with the budget's match timeout.</summary>
    public static Match Match(string input, string pattern) => Regex.Match(input, Checked(pattern), RegexOptions.None, Limit);

    /// <summary><see cref="Regex.Match(string, string, RegexOptions)"/> with the budget's match timeout.</summary>
    public static Match Match(string input, string pattern, RegexOptions options) => Regex.Match(input, Checked(pattern), options, Limit);

    /// <summary><see cref="Regex.Match(string, string, RegexOptions, TimeSpan)"/>, the timeout no longer than the budget's.</summary>
    public static Match Match(string input, string pattern, RegexOptions options, TimeSpan matchTimeout) => Regex.Match(input, Checked(pattern), options, Timeout(matchTimeout));

    /// <summary><see cref="Regex.Matches(string, string)"/> with the budget's match timeout.</summary>
    public static MatchCollection Matches(string input, string pattern) => Regex.Matches(input, Checked(pattern), RegexOptions.None, Limit);

    /// <summary><see cref="Regex.Matches(string, string, RegexOptions)"/> with the budget's match timeout.</summary>
    public static MatchCollection Matches(string input, string pattern, RegexOptions options) => Regex.Matches(input, Checked(pattern), options, Limit);

    /// <summary><see cref="Regex.Matches(string, string, RegexOptions, TimeSpan)"/>, the timeout no longer than the budget's.</summary>
    public static MatchCollection Matches(string input, string pattern, RegexOptions options, TimeSpan matchTimeout) => Regex.Matches(input, Checked(pattern), options, Timeout(matchTimeout));

    /// <summary><see cref="Regex.Replace(string, string, string)"/> with the budget's match timeout.</summary>
    public static string Replace(string input, string pattern, string replacement) => Regex.Replace(input, Checked(pattern), replacement, RegexOptions.None, Limit);

    /// <summary><see cref="Regex.Replace(string, string, string, RegexOptions)"/> with the budget's match timeout.</summary>
    public static string Replace(string input, string pattern, string replacement, RegexOptions options) => Regex.Replace(input, Checked(pattern), replacement, options, Limit);

    /// <summary><see cref="Regex.Replace(string, string, string, RegexOptions, TimeSpan)"/>, the timeout no longer than the budget's.</summary>
    public static string Replace(string input, string pattern, string replacement, RegexOptions options, TimeSpan matchTimeout) => Regex.Replace(input, Checked(pattern), replacement, options, Timeout(matchTimeout));

    /// <summary><see cref="Regex.Replace(string, string, MatchEvaluator)"/> with the budget's match timeout.</summary>
    public static string Replace(string input, string pattern, MatchEvaluator evaluator) => Regex.Replace(input, Checked(pattern), evaluator, RegexOptions.None, Limit);

    /// <summary><see cref="Regex.Replace(string, string, MatchEvaluator, RegexOptions)"/> with the budget's match timeout.</summary>
    public static string Replace(string input, string pattern, MatchEvaluator evaluator, RegexOptions options) => Regex.Replace(input, Checked(pattern), evaluator, options, Limit);

    /// <summary><see cref="Regex.Replace(string, string, MatchEvaluator, RegexOptions, TimeSpan)"/>, the timeout no longer than the budget's.</summary>
    public static string Replace(string input, string pattern, MatchEvaluator evaluator, RegexOptions options, TimeSpan matchTimeout) => Regex.Replace(input, Checked(pattern), evaluator, options, Timeout(matchTimeout));

    /// <summary><see cref="Regex.Split(string, string)"/> with the budget's match timeout.</summary>
    public static string[] Split(string input, string pattern) => Regex.Split(input, Checked(pattern), RegexOptions.None, Limit);

    /// <summary><see cref="Regex.Split(string, string, RegexOptions)"/> with the budget's match timeout.</summary>
    public static string[] Split(string input, string pattern, RegexOptions options) => Regex.Split(input, Checked(pattern), options, Limit);

    /// <summary><see cref="Regex.Split(string, string, RegexOptions, TimeSpan)"/>, the timeout no longer than the budget's.</summary>
    public static string[] Split(string input, string pattern, RegexOptions options, TimeSpan matchTimeout) => Regex.Split(input, Checked(pattern), options, Timeout(matchTimeout));

    /// <summary>
    /// The longest pattern a policy may use. Making a regex is work inside the framework that no timeout covers,
    /// and it grows with the pattern: measured, a <see cref="RegexOptions.NonBacktracking"/> pattern of 100,000
    /// chars took 0.3 s and one of 1,000,000 chars 4 s and 257 MB before the framework gave up. Patterns for DNS
    /// names are tens of chars.
    /// </summary>
    public const int MaxPatternLength = 10_000;

    private static TimeSpan Limit => Budget.MatchTimeoutLimit;

    private static string Checked(string pattern) => pattern is { Length: > MaxPatternLength }
        ? throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"A regex pattern of {pattern.Length:N0} chars is longer than a policy may use ({MaxPatternLength:N0})."), nameof(pattern))
        : pattern;
}
