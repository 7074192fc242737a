using System.Text.RegularExpressions;

namespace Scriptable.Engine.Transfers;

/// <summary>One key read from a key file, with where it was written.</summary>
/// <param name="Name">The key's name.</param>
/// <param name="Algorithm">The algorithm's name as written.</param>
/// <param name="Secret">The base64 secret.</param>
/// <param name="Line">The line of its <c>key</c> clause.</param>
public sealed record TsigKeyText(string Name, string Algorithm, string Secret, int Line);

/// <summary>
/// Reads a file of BIND <c>key</c> clauses (what <c>tsig-keygen</c> and <c>scriptable tsig keygen</c> print), so one
/// file can be shared with BIND's <c>include</c>: <c>key "NAME" { algorithm hmac-sha256; secret "BASE64"; };</c>.
/// Comments (<c>#</c>, <c>//</c>, <c>/* */</c>) are skipped; anything else is an error at its line and column.
/// </summary>
public static partial class TsigKeyFile
{
    /// <summary>The keys of <paramref name="text"/>; every error as <c>file(line,col): error: ...</c> in <paramref name="errors"/>.</summary>
    public static List<TsigKeyText> Parse(string text, string file, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(errors);
        var keys = new List<TsigKeyText>();
        var blanked = Comments().Replace(text, m => Regex.Replace(m.Value, "[^\n]", " ", RegexOptions.None, TimeSpan.FromSeconds(1)));
        var pos = 0;
        foreach (Match clause in Clause().Matches(blanked))
        {
            if (!string.IsNullOrWhiteSpace(blanked[pos..clause.Index]))
            {
                errors.Add(Error(blanked, file, pos + (blanked[pos..clause.Index].Length - blanked[pos..clause.Index].TrimStart().Length), "expected key \"NAME\" { algorithm ALGORITHM; secret \"BASE64\"; };"));
                return keys;
            }

            string? algorithm = null;
            string? secret = null;
            var body = clause.Groups["body"];
            var inner = 0;
            foreach (Match statement in Statement().Matches(body.Value))
            {
                if (!string.IsNullOrWhiteSpace(body.Value[inner..statement.Index]))
                {
                    break;
                }

                inner = statement.Index + statement.Length;
                var value = statement.Groups["value"].Value.Trim('"');
                switch (statement.Groups["name"].Value)
                {
                    case "algorithm":
                        algorithm = value;
                        break;
                    case "secret":
                        secret = value;
                        break;
                    default:
                        errors.Add(Error(blanked, file, body.Index + statement.Groups["name"].Index, $"'{statement.Groups["name"].Value}' is not a key setting: a key has algorithm and secret"));
                        break;
                }
            }

            if (!string.IsNullOrWhiteSpace(body.Value[inner..]))
            {
                var at = inner + (body.Value[inner..].Length - body.Value[inner..].TrimStart().Length);
                errors.Add(Error(blanked, file, body.Index + at, "expected 'algorithm NAME;' or 'secret \"BASE64\";'"));
            }
            else if (algorithm is null || secret is null)
            {
                errors.Add(Error(blanked, file, clause.Index, $"key '{clause.Groups["name"].Value}' needs {(algorithm is null ? "an algorithm" : "a secret")}"));
            }
            else
            {
                keys.Add(new TsigKeyText(clause.Groups["name"].Value, algorithm, secret, LineOf(blanked, clause.Index)));
            }

            pos = clause.Index + clause.Length;
        }

        if (!string.IsNullOrWhiteSpace(blanked[pos..]))
        {
            errors.Add(Error(blanked, file, pos + (blanked[pos..].Length - blanked[pos..].TrimStart().Length), "expected key \"NAME\" { algorithm ALGORITHM; secret \"BASE64\"; };"));
        }

        return keys;
    }

    private static int LineOf(string text, int index) => 1 + text.AsSpan(0, index).Count('\n');

    private static string Error(string text, string file, int index, string message)
    {
        var line = LineOf(text, index);
        var column = index - (text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1) + 1;
        return $"{file}({line},{column}): error: {message}";
    }

    [GeneratedRegex(@"/\*.*?\*/|//[^\n]*|#[^\n]*", RegexOptions.Singleline, 1000)]
    private static partial Regex Comments();

    [GeneratedRegex(@"key\s+""?(?<name>[^""\s{]+)""?\s*\{(?<body>[^}]*)\}\s*;", RegexOptions.None, 1000)]
    private static partial Regex Clause();

    [GeneratedRegex(@"\s*(?<name>[A-Za-z-]+)\s+(?<value>""[^""]*""|[^;\s]+)\s*;", RegexOptions.None, 1000)]
    private static partial Regex Statement();
}
